import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  condition,
  getExternalWorkflowHandle,
  startChild,
  type ChildWorkflowHandle,
  type ChildWorkflowOptions,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { emptyCounts, type Counts, type ObjectIssue, type SkipReason } from '../common/types';
import { GIB } from '../common/s3-limits';
import type { BatchOutcome, BatchResult, CopyInput, CopyResult, FailedOutcome, ListedObject, ObjectSnapshot } from '../common/contract';
import type { CopyInPartsInput, PageInput, PageResult } from './types';
import { decide } from '../common/decide';
import { FailureRate } from './failure-rate';
import { kmsRequestsPerCopy, kmsRequestsPerPart, kmsRequestsPerUpdate, kmsRequestsToCompleteUpload, kmsRequestsToCreateUpload, kmsTaskWeight, MAX_BATCH_OBJECTS } from '../common/kms-budget';
import { effectivePartSize, planParts } from '../common/part-plan';
import { inspectObjectsActivity, reportActivities, s3Activities, withKmsCost } from './activity-proxies';
import { copyInParts } from './copy-in-parts';
import { useBucketAccess } from './bucket-access';
import { kmsLanesSignal, pageProgressQuery, pauseSignal, resumeSignal } from './messages';
import { MOST_BATCHES } from './kms-lanes';
import { PageReporter } from './page-reporter';
import { keepWithin, PAGE_ISSUES } from './issue-budget';
import { Slots } from './slots';
import { MigrationMetrics } from './metrics';

/** An object overwritten again and again while we copy it is reported rather than chased forever. */
const MAX_DECISIONS_PER_OBJECT = 5;
/** Objects HEADed by one inspectObjects activity on pages started before batched updates (replay). */
const INSPECT_BATCH_BEFORE_UPDATES = 50;

/** The revision of pages started now (PageInput.revision). */
export const PAGE_REVISION = 1;

type Found = Extract<ObjectSnapshot, { exists: true }>;

/**
 * Open unless the migration is paused: every object waits here before each S3 call it makes, and the page's
 * multipart copies (child workflows) are told, so that none starts another part while paused.
 */
class Gate {
  paused = false;
  /** How many times the migration was resumed: failures from before a resume get another attempt. */
  resumes = 0;
  private readonly copies = new Set<ChildWorkflowHandle<typeof copyInParts>>();
  set(paused: boolean): void {
    if (this.paused && !paused) this.resumes++;
    if (this.paused !== paused) {
      const tell = (copy: ChildWorkflowHandle<typeof copyInParts>) => (paused ? copy.signal(pauseSignal) : copy.signal(resumeSignal));
      for (const copy of this.copies) tell(copy).catch(() => undefined); // it may have just ended
    }
    this.paused = paused;
  }
  pass(): Promise<void> {
    return condition(() => !this.paused);
  }
  /** Runs a multipart copy under this gate's pause and resume until it ends. */
  async copyInParts(input: CopyInPartsInput, options: Pick<ChildWorkflowOptions, 'workflowId' | 'parentClosePolicy' | 'staticSummary'>): Promise<CopyResult> {
    const copy = await startChild(copyInParts, { ...options, args: [{ ...input, paused: this.paused }] });
    this.copies.add(copy);
    try {
      return await copy.result();
    } finally {
      this.copies.delete(copy);
    }
  }
}

/** A page's report (--report-uri) is written in parts of about this size, as its objects settle. */
const REPORT_PART_BYTES = 64 * 1024;

type ReportWriter = (part: number, issues: ObjectIssue[]) => Promise<unknown>;

class PageTally {
  readonly counts: Counts = emptyCounts();
  readonly issues: ObjectIssue[] = [];
  private unreported: ObjectIssue[] = [];
  private unreportedBytes = 0;
  private parts = 0;
  private readonly writes: Promise<unknown>[] = [];

  /** With a writer, every issue also goes to the report, whatever the summary keeps. */
  constructor(private readonly report?: ReportWriter) {}

  skip(key: string, versionId: string | undefined, reason: SkipReason, message: string): void {
    this.counts.skipped[reason]++;
    this.issue({ key, versionId, status: 'skipped', code: reason, message });
  }

  fail(key: string, versionId: string | undefined, code: string, message: string): void {
    this.counts.failed++;
    this.issue({ key, versionId, status: 'failed', code, message });
  }

  /** In detail within PAGE_ISSUES; the counts always cover all of them, and the report lists every one. */
  private issue(issue: ObjectIssue): void {
    keepWithin(this.issues, [issue], PAGE_ISSUES.count, PAGE_ISSUES.bytes);
    if (!this.report) return;
    this.unreported.push(issue);
    this.unreportedBytes += issue.key.length + issue.message.length + 64;
    if (this.unreportedBytes >= REPORT_PART_BYTES) this.flush();
  }

  private flush(): void {
    if (this.unreported.length === 0) return;
    const part = this.parts++;
    const rows = this.unreported.length;
    // Handled at once (a rejection nobody awaits yet would fail the workflow task). A report that cannot be
    // written (permissions) does not fail the page: its objects were handled, the counts are right.
    this.writes.push(
      this.report!(part, this.unreported).catch((err: Error) => log.warn(`report part ${part} (${rows} objects) not written: ${err.message}`)),
    );
    this.unreported = [];
    this.unreportedBytes = 0;
  }

  /** Writes what is left of the report and waits for every part. */
  async reported(): Promise<void> {
    this.flush();
    await Promise.all(this.writes);
  }
}

/** Whether a patch is in force on this page: patched(), or, from PAGE_REVISION 1 on, always (no marker). */
type InForce = (patch: string) => boolean;

/** A permanent failure of one object, reported by a batch (not an activity failure of its own). */
class ObjectFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The page's settings and mutable state every object's path reads. */
interface PageContext {
  input: PageInput;
  tally: PageTally;
  gate: Gate;
  /** What a KMS-queue task's result says of the budget in force: the weight batches are formed to from now on. */
  learnWeight(kmsWeight: number | undefined): void;
}

/**
 * Counts a batch outcome. Returns 'refused' when S3 would not update the object (it is then copied), 'changed'
 * when another writer replaced it meanwhile (inspect it again and decide again), and throws ObjectFailed for a
 * permanent error of that object.
 */
function settle(ctx: PageContext, object: Found, update: boolean, outcome: BatchOutcome): 'done' | 'refused' | 'changed' {
  const { tally } = ctx;
  switch (outcome.status) {
    case 'updated':
      tally.counts.migrated++;
      tally.counts.updated++;
      tally.counts.bytesMigrated += object.size;
      return 'done';
    case 'tagged':
    case 'already-tagged':
      tally.counts.alreadyDone++;
      return 'done';
    case 'vanished':
      tally.skip(object.key, object.versionId, 'vanished', `deleted while being ${update ? 'updated' : 'tagged'}`);
      return 'done';
    case 'too-many-tags': // under the key all the same: no room for the marker beside its 10 tags
      if (update) {
        tally.counts.migrated++;
        tally.counts.updated++;
        tally.counts.bytesMigrated += object.size;
      } else tally.counts.alreadyDone++;
      tally.counts.unmarked++;
      return 'done';
    case 'refused':
      tally.counts.refused[outcome.code] = (tally.counts.refused[outcome.code] ?? 0) + 1;
      return 'refused';
    case 'changed':
      tally.counts.rechecked++;
      return 'changed';
    case 'failed':
      throw new ObjectFailed(outcome.code, outcome.message);
  }
}

function copyInputFor(input: PageInput, source: Found): CopyInput {
  const { bucket, bucketKeyEnabled, partSizeBytes, tagKey, tagValue } = input.options;
  return {
    bucket, keyArn: input.keyArn, bucketKeyEnabled, partSizeBytes, tagKey, tagValue, source,
    carryAcl: input.carryAcls, versioningSuspended: input.versioningSuspended,
  };
}

const NULL_VERSION_KEPT =
  "not copied: versioning is suspended, and the copy would replace this key's older null version; enable versioning again to migrate it";

/**
 * Counts a copy's outcome; 'changed' means: inspect it again and decide again; 'annotated': decide again,
 * knowing the object has annotations. Throws ObjectFailed.
 */
function settleCopy(ctx: PageContext, object: Found, outcome: CopyResult | FailedOutcome): 'done' | 'changed' | 'annotated' {
  const { tally } = ctx;
  switch (outcome.status) {
    case 'copied':
      tally.counts.migrated++;
      tally.counts.bytesMigrated += outcome.bytes;
      if (outcome.unmarked !== undefined) tally.counts.unmarked++;
      return 'done';
    case 'vanished':
      tally.skip(object.key, object.versionId, 'vanished', 'deleted while being copied');
      return 'done';
    case 'null-version-kept':
      tally.skip(object.key, object.versionId, 'null-version-kept', NULL_VERSION_KEPT);
      return 'done';
    case 'changed':
      tally.counts.rechecked++;
      return 'changed';
    case 'annotated':
      return 'annotated';
    case 'failed':
      throw new ObjectFailed(outcome.code, outcome.message);
  }
}

function batchItem(object: Found, update: boolean, kmsCost: number) {
  return { key: object.key, versionId: object.versionId, tagCount: object.tagCount, update, etag: object.etag, kmsCost };
}

/** KMS requests a multipart copy makes: the upload's data key, each part, and the completion. */
function kmsRequestsInParts(copy: CopyInput): number {
  const parts = planParts(copy.source.size, effectivePartSize(copy.source.size, copy.partSizeBytes)).length;
  const { bucketKeyEnabled } = copy;
  return kmsRequestsToCreateUpload(bucketKeyEnabled) + parts * kmsRequestsPerPart(copy.source, bucketKeyEnabled) + kmsRequestsToCompleteUpload(bucketKeyEnabled);
}

/** One object, step by step: HEAD (unless a first look is given), decide, then update, tag, copy or skip. */
async function migrateObject(
  ctx: PageContext,
  object: ListedObject,
  firstLook: ObjectSnapshot | null,
  updateAllowed: boolean,
): Promise<void> {
  const { input, tally, gate } = ctx;
  const { options, keyArn } = input;
  const { bucket, tagKey, tagValue } = options;
  let update = updateAllowed;
  let batched = firstLook;
  for (let round = 1; round <= MAX_DECISIONS_PER_OBJECT; round++) {
    await gate.pass();
    const look = batched ?? (await s3Activities.inspectObject({ bucket, key: object.key, versionId: object.versionId }));
    const snapshot = withListedChecksum(look, object);
    batched = null; // after a change, look again
    const decision = decide(snapshot, {
      keyArn,
      multipartThresholdBytes: options.multipartThresholdBytes,
      update,
      bucketKeyEnabled: options.bucketKeyEnabled,
      noncurrent: object.versionId !== undefined,
      copyLocked: options.copyLocked,
      now: Date.now(),
    });
    const versionId = snapshot.exists ? snapshot.versionId : undefined;

    if (decision.action === 'skip') return tally.skip(object.key, versionId, decision.reason, decision.message);

    await gate.pass();
    if (decision.action === 'ensure-tag') {
      const expect = { etag: snapshot.exists ? snapshot.etag : '', keyArn };
      const tagged = await s3Activities.ensureTag({ bucket, key: object.key, versionId, tagKey, tagValue, expect });
      if (tagged.status === 'changed') {
        tally.counts.rechecked++; // replaced meanwhile: HEAD again and decide again
        continue;
      }
      if (tagged.status === 'vanished') return tally.skip(object.key, versionId, 'vanished', 'deleted while being tagged');
      if (tagged.status === 'too-many-tags') tally.counts.unmarked++;
      tally.counts.alreadyDone++;
      return;
    }

    if (!snapshot.exists) throw new Error('unreachable: a change decided for a missing object');
    if (decision.action === 'update') {
      const cost = kmsRequestsPerUpdate(snapshot, options.bucketKeyEnabled);
      const { outcomes, kmsWeight } = await withKmsCost(cost, (a) =>
        a.updateObjects({ bucket, keyArn, bucketKeyEnabled: options.bucketKeyEnabled, tagKey, tagValue, items: [batchItem(snapshot, true, cost)] }),
      );
      ctx.learnWeight(kmsWeight);
      tally.counts.kmsRequests += cost;
      const settled = settle(ctx, snapshot, true, outcomes[0]!); // one item: always within a task's weight
      if (settled === 'done') return;
      if (settled === 'refused') {
        update = false; // copy it instead
        batched = snapshot;
      }
      continue;
    }

    const copyInput = copyInputFor(input, snapshot);
    const cost = decision.multipart ? kmsRequestsInParts(copyInput) : kmsRequestsPerCopy(snapshot, options.bucketKeyEnabled);
    const copied = decision.multipart
      ? await gate.copyInParts({ copy: copyInput, access: input.access }, {
          workflowId: `${workflowInfo().workflowId}/parts-${input.objects.indexOf(object)}.${round}`,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, // a cancelled copy aborts its upload
          staticSummary: `multipart copy of ${object.key}`,
        })
      : await withKmsCost(cost, (copies) => copies.copyObject(copyInput));
    tally.counts.kmsRequests += cost;
    const settled = settleCopy(ctx, snapshot, copied);
    if (settled === 'done') return;
    if (settled === 'annotated') batched = { ...snapshot, annotated: true }; // one CopyObject keeps them, or skip
    // else overwritten meanwhile: HEAD again, decide again
  }
  throw new ObjectFailed('ChangedRepeatedly', `overwritten ${MAX_DECISIONS_PER_OBJECT} times while being migrated`);
}

/** The activity failure behind a failed step, also when it failed inside a multipart copy's child workflow. */
function activityFailureIn(err: unknown): ActivityFailure | undefined {
  if (err instanceof ActivityFailure) return err;
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ActivityFailure) return err.cause;
  return undefined;
}

/**
 * A multipart copy's child that failed, was terminated or timed out: that object failed, the page goes on.
 * Not while the page itself is being cancelled (then the child's cancellation is the page's own).
 */
function childFailure(err: unknown, inForce: InForce): { code: string; message: string } | undefined {
  if (!(err instanceof ChildWorkflowFailure) || CancellationScope.current().consideredCancelled) return undefined;
  if (!inForce(CHILD_FAILURE_IS_THE_OBJECTS)) return undefined;
  const cause = err.cause;
  const code =
    cause instanceof TerminatedFailure ? 'CopyTerminated'
    : cause instanceof TimeoutFailure ? 'CopyTimedOut'
    : cause instanceof ApplicationFailure ? (cause.type ?? 'CopyFailed')
    : (cause?.name ?? 'CopyFailed');
  return { code, message: `multipart copy ${err.execution?.workflowId ?? ''}: ${cause?.message ?? err.message}` };
}
/** Pages from before it let a failed child fail the whole page (replay). */
const CHILD_FAILURE_IS_THE_OBJECTS = 'child-failure-is-the-objects';

/** Code and message of a permanent failure of one object, or undefined for anything else (rethrown). */
function objectFailure(err: unknown, inForce: InForce): { code: string; message: string } | undefined {
  if (err instanceof ObjectFailed) return { code: err.code, message: err.message };
  const failure = activityFailureIn(err);
  if (!failure) return childFailure(err, inForce);
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) return { code: cause.type ?? 'Error', message: cause.message };
  return { code: cause?.name ?? 'Error', message: cause?.message ?? failure.message };
}

/**
 * The checksum algorithm and type come from the listing (HEAD does not ask for checksums: see ListedObject),
 * when the object HEAD found is still the one listed.
 */
function withListedChecksum<T extends ObjectSnapshot | null>(look: T, listed: ListedObject): T {
  if (!look?.exists || look.checksumAlgorithm || !listed.checksumAlgorithm || look.etag !== listed.etag) return look;
  return { ...look, checksumAlgorithm: listed.checksumAlgorithm, checksumType: listed.checksumType };
}

/** An activity's summary in the Web UI: what it does, to how many objects, from which key to which. */
function keyRangeSummary(what: string, objects: ListedObject[]): string {
  return `${what}: ${objects.length} objects, ${objects[0]?.key} … ${objects.at(-1)?.key}`.slice(0, 200);
}

interface PendingFailure {
  code: string;
  message: string;
  /** gate.resumes when it failed. */
  epoch: number;
}

interface Planned {
  object: ListedObject;
  look: Found;
  /** What the batch does with it: update in place (and tag), only tag, or copy over itself. */
  kind: 'update' | 'tag' | 'copy';
  /** KMS requests it costs. */
  cost: number;
}

/** Bytes of single copies one batch takes at most (one larger object goes alone). */
const COPY_BATCH_BYTES = GIB;

/** What one batch may hold at most, besides the task weight in KMS requests. */
export interface BatchBounds {
  objects: number;
  /** Bytes of the objects' data (single copies). */
  bytes?: number;
  /** Bytes of the activity's input (copies carry each object's HEAD); items without `payload` count none. */
  payload?: number;
}

/**
 * Takes the next batch from the front of `queue`: at most the task weight in KMS requests and the bounds
 * (an object beyond a limit goes alone), in listing order.
 */
export function takeBatch<T extends { cost: number; bytes?: number; payload?: number }>(queue: T[], weight: number, bounds: BatchBounds): T[] {
  const [maxBytes, maxPayload] = [bounds.bytes ?? Infinity, bounds.payload ?? Infinity];
  let cost = 0;
  let bytes = 0;
  let payload = 0;
  let n = 0;
  for (const item of queue) {
    const fits =
      n === 0 ||
      (n < bounds.objects && cost + item.cost <= weight && bytes + (item.bytes ?? 0) <= maxBytes && payload + (item.payload ?? 0) <= maxPayload);
    if (!fits) break;
    cost += item.cost;
    bytes += item.bytes ?? 0;
    payload += item.payload ?? 0;
    n++;
  }
  return queue.splice(0, n);
}

/** All of `planned` as takeBatch would take it, batch after batch. */
export function packBatches<T extends { cost: number; bytes?: number; payload?: number }>(planned: T[], weight: number, bounds: BatchBounds): T[][] {
  const queue = [...planned];
  const batches: T[][] = [];
  while (queue.length > 0) batches.push(takeBatch(queue, weight, bounds));
  return batches;
}

/**
 * Bytes of copies' input one batch carries at most (pages of revision 1 on: their batches may hold 250
 * objects): far below Temporal's 2 MiB payload limit, whatever the objects' headers and metadata (up to about
 * 10 KiB each).
 */
const COPY_BATCH_PAYLOAD = 512 * 1024;

/**
 * Objects of a page worked on one by one at once (each may need an activity, or a child workflow): with the
 * batches and HEADs, far below Temporal's 2,000 pending activities per workflow.
 */
const SINGLES_AT_ONCE = 400;
const BOUNDED_SINGLES = 'bounded-singles';

/**
 * Migrates one listed page of objects. The first look at every object is batched (HEADs), and so is the
 * common case after it: updates in place and tags, in batches that fill one KMS-queue task each. Copies,
 * refusals, objects that changed and retries go one by one. The coordinator owns control: the page reports
 * each failure to it (and its result at the end), and obeys its pause, resume and budget. A permanent failure
 * is final only if no resume came after it: when too many objects fail (a disabled key, a policy that denies
 * the worker), the coordinator pauses every page, and after the operator's resume every object that failed
 * before it is tried again. (Pages of coordinators from before that, replayed, keep their own rule.)
 */
export async function migratePage(input: PageInput): Promise<PageResult> {
  useBucketAccess(input.access);
  const { report } = input;
  const tally = new PageTally(
    report &&
      ((part, issues) =>
        reportActivities.writeReport({ location: report, migratedBucket: input.options.bucket, page: input.page ?? 0, part, issues })),
  );
  const gate = new Gate();
  const revision = input.revision ?? 0;
  const inForce: InForce = (patch) => revision >= 1 || patched(patch);
  const reporter = input.reportTo ? new PageReporter(input.reportTo, input.resumes, () => gate.set(true), inForce) : undefined;
  const failureRate = new FailureRate(input.options.maxFailureRate); // only without a reporter
  const pending = new Map<ListedObject, PendingFailure>();
  const parent = workflowInfo().parent;
  // Pages started before the update engine carry neither field: they keep their per-object shape (replay).
  const batchedUpdates = input.update !== undefined;
  // Batches are formed to the weight the latest KMS-queue result reported (the budget in force); until one
  // has, to the weight of the budget the coordinator knew when it started the page. Either is only a guess:
  // a KMS-queue task does what the weight in force when it runs pays for, and hands the rest back.
  let weight = kmsTaskWeight(input.kmsBudgetRps);
  const learnWeight = (kmsWeight: number | undefined): void => {
    if (kmsWeight !== undefined) weight = kmsWeight;
  };
  const ctx: PageContext = { input, tally, gate, learnWeight };
  const metrics = new MigrationMetrics();
  setHandler(pageProgressQuery, () => ({ ...tally.counts, failed: tally.counts.failed + pending.size }));
  let lanesAllowed = input.kmsLanes;
  setHandler(kmsLanesSignal, (lanes) => {
    lanesAllowed = lanes;
  });
  setHandler(pauseSignal, () => gate.set(true));
  setHandler(resumeSignal, (resumes) => {
    reporter?.resumed(resumes);
    failureRate.reset();
    gate.set(false);
  });

  const pauseForFailures = (reason: string): void => {
    gate.set(true);
    if (parent) getExternalWorkflowHandle(parent.workflowId).signal(pauseSignal, reason).catch(() => undefined);
  };
  const succeeded = (object: ListedObject): void => {
    pending.delete(object);
    if (reporter) reporter.succeeded();
    else failureRate.record(1, 0);
  };
  // A failure belongs to the resume epoch its attempt started in: one that started before a resume and
  // failed after it is tried again and not counted against the rule. (patched: replayed pages dated it at
  // its end, and let failures stand when the resume came while they asked the coordinator.)
  const acrossResumes = inForce('failures-across-resumes');
  const epochNow = (): number | undefined => (acrossResumes ? gate.resumes : undefined);
  const failed = (object: ListedObject, err: unknown, startedIn = gate.resumes): void => {
    const failure = objectFailure(err, inForce);
    if (!failure) throw err;
    pending.set(object, { ...failure, epoch: startedIn });
    if (startedIn < gate.resumes) return;
    if (reporter) return reporter.failed(failure.code, failure.message);
    const tripped = failureRate.record(1, 1);
    if (tripped && !gate.paused) {
      pauseForFailures(`${tripped} on ${workflowInfo().workflowId}; last error ${failure.code}: ${failure.message}`);
    }
  };
  // Objects worked on one by one are capped, so a page never nears Temporal's 2,000 pending activities
  // (or child workflows), whatever --page-size and the mix of objects (a refused update copies each alone).
  const oneByOne = new Slots(batchedUpdates && inForce(BOUNDED_SINGLES) ? SINGLES_AT_ONCE : Infinity);
  const attempt = (object: ListedObject, firstLook: ObjectSnapshot | null = null, update = input.update ?? false) =>
    oneByOne.run(async () => {
      const startedIn = epochNow();
      try {
        await migrateObject(ctx, object, firstLook, update);
        succeeded(object);
      } catch (err) {
        failed(object, err, startedIn);
      }
      metrics.objectsSettled(tally.counts);
    });

  /**
   * Attempts a batch handed to an object alone (a changed object looked at again, a refused update copied in
   * parts, which can take hours): the lane goes on to its next batch, and the page waits for them at its end.
   */
  const detached: Promise<void>[] = [];

  /**
   * Runs one batch activity for `batch` and counts each object's outcome with `settleOne`, which returns a
   * promise only when the object needs a follow-up attempt (detached); objects its task did not get to (the
   * weight in force paid for fewer) go back to the front of `queue`. Outcomes are settled in one synchronous
   * pass, which spares two or three workflow promises per object.
   */
  const runBatch = async <O>(
    kind: 'update' | 'copy',
    batch: Planned[],
    queue: Planned[],
    execute: (cost: number) => Promise<BatchResult<O>>,
    settleOne: (p: Planned, outcome: O | FailedOutcome) => Promise<void> | void,
  ): Promise<void> => {
    await gate.pass();
    const startedIn = epochNow();
    let result: BatchResult<O>;
    try {
      result = await execute(batch.reduce((sum, p) => sum + p.cost, 0));
    } catch (err) {
      batch.forEach((p) => failed(p.object, err, startedIn));
      return;
    }
    learnWeight(result.kmsWeight);
    const undone: Planned[] = [];
    let spent = 0;
    batch.forEach((p, i) => {
      const outcome = result.outcomes[i];
      if (outcome === null) return void undone.push(p);
      spent += p.cost;
      try {
        const followUp = settleOne(p, outcome);
        if (followUp) detached.push(followUp);
      } catch (err) {
        failed(p.object, err, startedIn);
      }
    });
    queue.unshift(...undone);
    tally.counts.kmsRequests += spent;
    metrics.kmsRequestsSpent(kind, spent);
    metrics.objectsSettled(tally.counts);
  };

  const runUpdateBatch = (batch: Planned[]) => {
    const { bucket, tagKey, tagValue, bucketKeyEnabled } = input.options;
    const items = batch.map((p) => batchItem(p.look, p.kind === 'update', p.cost));
    return runBatch(
      'update',
      batch,
      updateQueue,
      (cost) => {
        const summary = keyRangeSummary(`${items.filter((i) => i.update).length} updates, ${cost} KMS requests`, batch.map((p) => p.object));
        return withKmsCost(cost, (a) =>
          a.updateObjects.executeWithOptions({ summary }, [{ bucket, keyArn: input.keyArn, bucketKeyEnabled, tagKey, tagValue, items }]),
        );
      },
      (p, outcome) => {
        const settled = settle(ctx, p.look, p.kind === 'update', outcome);
        if (settled === 'refused') return plan(p.object, p.look, false); // copied instead, in a batch of copies
        if (settled === 'changed') return attempt(p.object); // inspect and decide again
        succeeded(p.object);
      },
    );
  };

  const runCopyBatch = (batch: Planned[]) =>
    runBatch(
      'copy',
      batch,
      copyQueue,
      (cost) => {
        const summary = keyRangeSummary(`copies, ${cost} KMS requests`, batch.map((p) => p.object));
        const copies = batch.map((p) => copyInputFor(input, p.look));
        const kmsCosts = batch.map((p) => p.cost);
        return withKmsCost(cost, (a) => a.copyObjects.executeWithOptions({ summary }, [{ copies, kmsCosts }]));
      },
      (p, outcome) => {
        if (settleCopy(ctx, p.look, outcome) === 'changed') return attempt(p.object); // inspect and decide again
        succeeded(p.object);
      },
    );

  // After the batched HEADs: updates, tags and single copies wait in these queues for a batch; skips and
  // multipart copies go one by one.
  const updateQueue: Planned[] = [];
  const copyQueue: (Planned & { bytes: number; payload?: number })[] = [];
  const inspectBatch = batchedUpdates ? MAX_BATCH_OBJECTS : INSPECT_BATCH_BEFORE_UPDATES;
  const updateBounds: BatchBounds = { objects: MAX_BATCH_OBJECTS };
  const copyBounds: BatchBounds = { objects: MAX_BATCH_OBJECTS, bytes: COPY_BATCH_BYTES, payload: revision >= 1 ? COPY_BATCH_PAYLOAD : undefined };
  const batches: ListedObject[][] = [];
  for (let i = 0; i < input.objects.length; i += inspectBatch) batches.push(input.objects.slice(i, i + inspectBatch));
  let inspecting = batches.length;

  /**
   * Puts an inspected object in the queue of its kind (updates and tags; single copies), or works on it alone
   * (skips, multipart copies, objects whose HEAD failed): then returns that attempt.
   */
  const plan = (object: ListedObject, look: ObjectSnapshot | null, update: boolean): Promise<void> | undefined => {
    const { bucketKeyEnabled, multipartThresholdBytes } = input.options;
    const noncurrent = object.versionId !== undefined;
    const copyLocked = input.options.copyLocked;
    const decision = look && decide(look, { keyArn: input.keyArn, multipartThresholdBytes, update, bucketKeyEnabled, noncurrent, copyLocked, now: Date.now() });
    if (look?.exists && decision?.action === 'update') {
      updateQueue.push({ object, look, kind: 'update', cost: kmsRequestsPerUpdate(look, bucketKeyEnabled) });
    } else if (look?.exists && decision?.action === 'ensure-tag') {
      updateQueue.push({ object, look, kind: 'tag', cost: 0 });
    } else if (look?.exists && decision?.action === 'copy' && !decision.multipart) {
      const payload = revision >= 1 ? JSON.stringify(look).length : undefined;
      copyQueue.push({ object, look, kind: 'copy', cost: kmsRequestsPerCopy(look, bucketKeyEnabled), bytes: look.size, payload });
    } else {
      return attempt(object, look, update);
    }
    return undefined;
  };

  const dispatch = async (batch: ListedObject[], looks: (ObjectSnapshot | null)[]): Promise<void> => {
    if (!batchedUpdates) {
      await Promise.all(batch.map((object, i) => attempt(object, looks[i])));
      return;
    }
    const singles = batch.map((object, i) => plan(object, looks[i], input.update ?? false)).filter((single) => single !== undefined);
    await Promise.all(singles);
  };

  /**
   * Batches running now: what one did not get to comes back to its queue, and an update S3 refused goes to
   * the copies' queue.
   */
  let batchesRunning = 0;
  /** Every object inspected, no batch out (it may hand objects back, or refused updates to the copies), queues empty. */
  const allQueuesDone = () => inspecting === 0 && batchesRunning === 0 && updateQueue.length === 0 && copyQueue.length === 0;
  /**
   * Takes batch after batch from a queue until all queues are done; lane `i` only while the coordinator gives
   * the page more than `i` lanes.
   */
  const lane = async <T extends Planned>(i: number, queue: T[], bounds: BatchBounds, run: (batch: T[]) => Promise<void>): Promise<void> => {
    for (;;) {
      await condition(() => (queue.length > 0 && i < lanesAllowed) || allQueuesDone());
      if (allQueuesDone()) return;
      if (queue.length === 0) continue; // another lane took what there was
      batchesRunning++;
      try {
        await run(takeBatch(queue, weight, bounds));
      } finally {
        batchesRunning--;
      }
    }
  };
  const lanes = batchedUpdates
    ? Array.from({ length: MOST_BATCHES }, (_, i) => [
        lane(i, updateQueue, updateBounds, runUpdateBatch),
        lane(i, copyQueue, copyBounds, runCopyBatch),
      ]).flat()
    : [];

  await Promise.all([
    ...batches.map(async (batch) => {
      await gate.pass();
      const versionIds = batch.some((o) => o.versionId) ? batch.map((o) => o.versionId) : undefined;
      const inspectInput = { bucket: input.options.bucket, keys: batch.map((o) => o.key), versionIds };
      const looks = batchedUpdates
        ? await inspectObjectsActivity.executeWithOptions({ summary: keyRangeSummary('HEAD', batch) }, [inspectInput])
        : await inspectObjectsActivity(inspectInput);
      const dispatched = dispatch(batch, looks.map((look, i) => withListedChecksum(look, batch[i])));
      inspecting--;
      await dispatched;
    }),
    ...lanes,
  ]);
  while (detached.length > 0) await Promise.all(detached.splice(0));
  for (;;) {
    await gate.pass(); // never finish while paused: the resume gives failed objects another attempt
    const todo = [...pending].filter(([, failure]) => failure.epoch < gate.resumes).map(([object]) => object);
    if (todo.length > 0) {
      await Promise.all(todo.map((object) => attempt(object)));
      continue;
    }
    if (!reporter || pending.size === 0) break;
    if (await reporter.coordinatorPaused()) continue;
    // The resume may have come while the page asked: what failed before it gets its attempt all the same.
    if (!acrossResumes || ![...pending.values()].some((failure) => failure.epoch < gate.resumes)) break;
  }
  for (const [object, failure] of pending) tally.fail(object.key, object.versionId, failure.code, failure.message);
  metrics.objectsSettled(tally.counts);
  await tally.reported();
  const result = { counts: tally.counts, issues: tally.issues };
  await reporter?.done(result);
  return result;
}
