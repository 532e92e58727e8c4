import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  emptyCounts,
  type CopyInput,
  type Counts,
  type ListedObject,
  type ObjectIssue,
  type ObjectSnapshot,
  type PageInput,
  type PageResult,
  type SkipReason,
} from '../common/types';
import { decide } from './decide';
import { FailureRate } from './failure-rate';
import { kmsRequestsPerCopy } from '../common/kms-budget';
import { inspectObjectsActivity, s3Activities, withKmsCost } from './activity-proxies';
import { copyInParts } from './copy-in-parts';
import { pageProgressQuery, pauseSignal, resumeSignal } from './messages';

/** An object overwritten again and again while we copy it is reported rather than chased forever. */
const MAX_DECISIONS_PER_OBJECT = 5;
/** Objects HEADed by one inspectObjects activity. */
const INSPECT_BATCH = 50;
/** Issues a page reports in detail; its counts always cover all of them. */
const MAX_ISSUES_PER_PAGE = 200;

/** Open unless the migration is paused: every object waits here before each S3 call it makes. */
class Gate {
  paused = false;
  /** How many times the migration was resumed: failures from before a resume get another attempt. */
  resumes = 0;
  set(paused: boolean): void {
    if (this.paused && !paused) this.resumes++;
    this.paused = paused;
  }
  pass(): Promise<void> {
    return condition(() => !this.paused);
  }
}

class PageTally {
  readonly counts: Counts = emptyCounts();
  readonly issues: ObjectIssue[] = [];

  skip(key: string, versionId: string | undefined, reason: SkipReason, message: string): void {
    this.counts.skipped[reason]++;
    this.issue({ key, versionId, status: 'skipped', code: reason, message });
  }

  fail(key: string, versionId: string | undefined, code: string, message: string): void {
    this.counts.failed++;
    this.issue({ key, versionId, status: 'failed', code, message });
  }

  private issue(issue: ObjectIssue): void {
    if (this.issues.length < MAX_ISSUES_PER_PAGE) this.issues.push(issue);
  }
}

function tooManyTags(count: number): string {
  return `already has ${count} tags; adding the marker tag would exceed S3's limit of 10, tags left untouched`;
}

async function migrateObject(
  input: PageInput,
  object: ListedObject,
  tally: PageTally,
  gate: Gate,
  firstLook: ObjectSnapshot | null,
): Promise<void> {
  const { options, keyArn } = input;
  const { bucket, tagKey, tagValue } = options;
  let batched = firstLook;
  for (let round = 1; round <= MAX_DECISIONS_PER_OBJECT; round++) {
    await gate.pass();
    const snapshot = batched ?? (await s3Activities.inspectObject({ bucket, key: object.key }));
    batched = null; // after a change, look again
    const decision = decide(snapshot, { keyArn, multipartThresholdBytes: options.multipartThresholdBytes });
    const versionId = snapshot.exists ? snapshot.versionId : undefined;

    if (decision.action === 'skip') return tally.skip(object.key, versionId, decision.reason, decision.message);

    await gate.pass();
    if (decision.action === 'ensure-tag') {
      const tagged = await s3Activities.ensureTag({ bucket, key: object.key, versionId, tagKey, tagValue });
      if (tagged.status === 'vanished') return tally.skip(object.key, versionId, 'vanished', 'deleted while being tagged');
      if (tagged.status === 'too-many-tags') {
        return tally.skip(object.key, versionId, 'too-many-tags', tooManyTags(tagged.tagCount));
      }
      tally.counts.alreadyDone++;
      return;
    }

    if (!snapshot.exists) throw new Error('unreachable: copy decided for a missing object');
    const copyInput: CopyInput = {
      bucket,
      keyArn,
      bucketKeyEnabled: options.bucketKeyEnabled,
      partSizeBytes: options.partSizeBytes,
      tagKey,
      tagValue,
      source: snapshot,
    };
    const copied = decision.multipart
      ? await executeChild(copyInParts, {
          workflowId: `${workflowInfo().workflowId}/parts-${input.objects.indexOf(object)}.${round}`,
          args: [{ copy: copyInput }],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, // a cancelled copy aborts its upload
          staticSummary: `multipart copy of ${object.key}`,
        })
      : await withKmsCost(kmsRequestsPerCopy(snapshot, options.bucketKeyEnabled), (copies) => copies.copyObject(copyInput));
    switch (copied.status) {
      case 'copied':
        tally.counts.migrated++;
        tally.counts.bytesMigrated += copied.bytes;
        return;
      case 'vanished':
        return tally.skip(object.key, versionId, 'vanished', 'deleted while being copied');
      case 'too-many-tags':
        return tally.skip(object.key, versionId, 'too-many-tags', tooManyTags(copied.tagCount));
      case 'changed':
        tally.counts.rechecked++; // overwritten meanwhile: HEAD again and decide again
    }
  }
  tally.fail(object.key, undefined, 'ChangedRepeatedly', `overwritten ${MAX_DECISIONS_PER_OBJECT} times while being migrated`);
}

/** The activity failure behind a failed step, also when it failed inside a multipart copy's child workflow. */
function activityFailureIn(err: unknown): ActivityFailure | undefined {
  if (err instanceof ActivityFailure) return err;
  if (err instanceof ChildWorkflowFailure && err.cause instanceof ActivityFailure) return err.cause;
  return undefined;
}

function failureCode(err: ActivityFailure): { code: string; message: string } {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return { code: cause.type ?? 'Error', message: cause.message };
  return { code: cause?.name ?? 'Error', message: cause?.message ?? err.message };
}

interface PendingFailure {
  code: string;
  message: string;
  /** gate.resumes when it failed. */
  epoch: number;
}

/**
 * Migrates one listed page of objects, all at once; the worker's slots and rate limits pace them.
 * A permanent failure is final only if no resume came after it: when too many objects fail (a disabled
 * key, a policy that denies the worker), the page pauses itself and the whole migration, and after the
 * operator's resume every object that failed before it is tried again.
 */
export async function migratePage(input: PageInput): Promise<PageResult> {
  const tally = new PageTally();
  const gate = new Gate();
  const failureRate = new FailureRate(input.options.maxFailureRate);
  const pending = new Map<ListedObject, PendingFailure>();
  const parent = workflowInfo().parent;
  setHandler(pageProgressQuery, () => ({ ...tally.counts, failed: tally.counts.failed + pending.size }));
  setHandler(pauseSignal, () => gate.set(true));
  setHandler(resumeSignal, () => {
    failureRate.reset();
    gate.set(false);
  });

  const pauseForFailures = (reason: string): void => {
    gate.set(true);
    if (parent) getExternalWorkflowHandle(parent.workflowId).signal(pauseSignal, reason).catch(() => undefined);
  };

  const attempt = async (object: ListedObject, firstLook: ObjectSnapshot | null = null): Promise<void> => {
    try {
      await migrateObject(input, object, tally, gate, firstLook);
      pending.delete(object);
      failureRate.record(1, 0);
    } catch (err) {
      const failure = activityFailureIn(err);
      if (!failure) throw err;
      const { code, message } = failureCode(failure);
      pending.set(object, { code, message, epoch: gate.resumes });
      const tripped = failureRate.record(1, 1);
      if (tripped && !gate.paused) {
        pauseForFailures(`${tripped} on ${workflowInfo().workflowId}; last error ${code}: ${message}`);
      }
    }
  };

  // The first look at every object is batched: one activity HEADs INSPECT_BATCH objects.
  const batches: ListedObject[][] = [];
  for (let i = 0; i < input.objects.length; i += INSPECT_BATCH) batches.push(input.objects.slice(i, i + INSPECT_BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      await gate.pass();
      const looks = await inspectObjectsActivity({ bucket: input.options.bucket, keys: batch.map((o) => o.key) });
      await Promise.all(batch.map((object, i) => attempt(object, looks[i])));
    }),
  );
  for (;;) {
    await gate.pass(); // never finish while paused: the resume gives failed objects another attempt
    const todo = [...pending].filter(([, failure]) => failure.epoch < gate.resumes).map(([object]) => object);
    if (todo.length === 0) break;
    await Promise.all(todo.map((object) => attempt(object)));
  }
  for (const [object, failure] of pending) tally.fail(object.key, undefined, failure.code, failure.message);
  return { counts: tally.counts, issues: tally.issues };
}
