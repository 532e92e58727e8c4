// One page's run: its objects' state (queues, lanes, failures waiting for a resume) and how each is worked on.
import { condition, setHandler } from '@temporalio/workflow';
import type { BatchResult, FailedOutcome, ListedObject, ObjectSnapshot } from '../../common/contract';
import { kmsRequestsPerCopy, kmsRequestsPerUpdate, kmsTaskWeight, MAX_BATCH_OBJECTS } from '../../common/kms-budget';
import { inspectObjectsActivity, reportActivities, withKmsCost } from '../activity-proxies';
import { MOST_BATCHES } from '../kms-lanes';
import { kmsLanesSignal, pageProgressQuery, pauseSignal, resumeSignal } from '../messages';
import { MigrationMetrics } from '../metrics';
import { PageReporter } from '../page-reporter';
import { Slots } from '../slots';
import type { PageInput, PageResult } from '../types';
import {
  batchItem,
  COPY_BOUNDS,
  keyRangeSummary,
  takeBatch,
  UPDATE_BOUNDS,
  type BatchBounds,
  type Planned,
} from './batches';
import { objectFailure, type Failure } from './failures';
import { Gate } from './gate';
import { copyInputFor, decideFor, migrateObject, withListedChecksum, type ObjectContext } from './migrate-object';
import { settleCopy, settleUpdate } from './outcomes';
import { PageTally } from './page-tally';

/**
 * Objects of a page worked on one by one at once (each may need an activity, or a child workflow): with the
 * batches and HEADs, far below Temporal's 2,000 pending activities per workflow.
 */
const SINGLES_AT_ONCE = 400;

/** A failed object waiting for the end of the page, or for a resume that gives it another attempt. */
interface PendingFailure extends Failure {
  /** gate.resumes when its attempt started. */
  epoch: number;
}

/**
 * The page's state, in one place. The first look at every object is batched (HEADs), and so is the common
 * case after it: updates in place and tags, and single copies, in batches that fill one KMS-queue task each.
 * Refused updates copied in parts, objects that changed and retries go one by one.
 */
export class PageRun implements ObjectContext {
  readonly tally: PageTally;
  readonly gate = new Gate();
  private readonly reporter: PageReporter;
  private readonly metrics = new MigrationMetrics();
  private readonly pending = new Map<ListedObject, PendingFailure>();
  /** Objects worked on one by one, capped so a page never nears Temporal's 2,000 pending activities. */
  private readonly oneByOne = new Slots(SINGLES_AT_ONCE);
  /** Attempts handed to an object alone from a batch: its lane goes on, the page waits for them at its end. */
  private readonly detached: Promise<void>[] = [];
  private readonly updateQueue: Planned[] = [];
  private readonly copyQueue: Planned[] = [];
  /** HEAD groups not yet queued, and batches out (either may still add to a queue). */
  private inspecting = 0;
  private batchesRunning = 0;
  /**
   * The weight batches are formed to: the latest KMS-queue result's (the budget in force), until then the
   * budget's the coordinator knew. Only a guess: a task does what the weight in force pays for, and hands the
   * rest back.
   */
  private weight: number;
  /** Batches per kind the coordinator lets this page keep scheduled (workflows/kms-lanes.ts). */
  private lanesAllowed: number;

  constructor(readonly input: PageInput) {
    const { report } = input;
    this.tally = new PageTally(
      report &&
        ((part, issues) =>
          reportActivities.writeReport({
            location: report,
            migratedBucket: input.options.bucket,
            page: input.page ?? 0,
            part,
            issues,
          })),
    );
    this.reporter = new PageReporter(input.reportTo, input.resumes, () => this.gate.set(true));
    this.weight = kmsTaskWeight(input.kmsBudgetRps);
    this.lanesAllowed = input.kmsLanes;
    setHandler(pageProgressQuery, () => ({
      ...this.tally.counts,
      failed: this.tally.counts.failed + this.pending.size,
    }));
    setHandler(kmsLanesSignal, (lanes) => void (this.lanesAllowed = lanes));
    setHandler(pauseSignal, () => this.gate.set(true));
    setHandler(resumeSignal, (resumes) => {
      if (resumes !== undefined) this.reporter.resumed(resumes); // the coordinator says; an operator's by hand need not
      this.gate.set(false);
    });
  }

  learnWeight(kmsWeight: number | undefined): void {
    if (kmsWeight !== undefined) this.weight = kmsWeight;
  }

  /** HEADs every object in groups, queues each for its batch, and runs the batches until all queues are done. */
  async migrateAll(): Promise<void> {
    const groups: ListedObject[][] = [];
    for (let i = 0; i < this.input.objects.length; i += MAX_BATCH_OBJECTS)
      groups.push(this.input.objects.slice(i, i + MAX_BATCH_OBJECTS));
    this.inspecting = groups.length;
    const lanes = Array.from({ length: MOST_BATCHES }, (_, i) => [
      this.lane(i, this.updateQueue, UPDATE_BOUNDS, (batch) => this.runUpdateBatch(batch)),
      this.lane(i, this.copyQueue, COPY_BOUNDS, (batch) => this.runCopyBatch(batch)),
    ]).flat();
    await Promise.all([...groups.map((group) => this.inspectGroup(group)), ...lanes]);
    while (this.detached.length > 0) await Promise.all(this.detached.splice(0));
  }

  /**
   * Settles the failures: never while paused (the resume gives each another attempt), and not before the
   * coordinator, having seen them all, says whether they paused the migration.
   */
  async retryOrAcceptFailures(): Promise<void> {
    const { gate, pending } = this;
    for (;;) {
      await gate.pass();
      const todo = [...pending].filter(([, failure]) => failure.epoch < gate.resumes).map(([object]) => object);
      if (todo.length > 0) {
        await Promise.all(todo.map((object) => this.attempt(object)));
        continue;
      }
      if (pending.size === 0) return;
      if (await this.reporter.coordinatorPaused()) continue;
      // The resume may have come while the page asked: what failed before it gets its attempt all the same.
      if (![...pending.values()].some((failure) => failure.epoch < gate.resumes)) return;
    }
  }

  /** Counts what failed for good, writes the report, and tells the coordinator the page's result. */
  async finish(): Promise<PageResult> {
    for (const [object, failure] of this.pending)
      this.tally.fail(object.key, object.versionId, failure.code, failure.message);
    this.metrics.objectsSettled(this.tally.counts);
    await this.tally.reported();
    const result = { counts: this.tally.counts, issues: this.tally.issues };
    await this.reporter.done(result);
    return result;
  }

  private async inspectGroup(listed: ListedObject[]): Promise<void> {
    await this.gate.pass();
    const group = listed.filter((object) => {
      const skip = object.skippedByInventory;
      if (skip) this.tally.skip(object.key, object.versionId, skip.reason, skip.message);
      return !skip && !this.queuedFromRow(object);
    });
    if (group.length === 0) return void this.inspecting--;
    const versionIds = group.some((o) => o.versionId) ? group.map((o) => o.versionId) : undefined;
    const inspectInput = { bucket: this.input.options.bucket, keys: group.map((o) => o.key), versionIds };
    const looks = await inspectObjectsActivity.executeWithOptions({ summary: keyRangeSummary('HEAD', group) }, [
      inspectInput,
    ]);
    const singles = group
      .map((object, i) => this.queue(object, withListedChecksum(looks[i], object), this.input.update))
      .filter((single) => single !== undefined);
    this.inspecting--;
    await Promise.all(singles);
  }

  /**
   * An object whose inventory row says it is to be updated is queued for its update without a HEAD: a change
   * since the row is caught after it (the marker's confirming HEAD, or the row's own version), and then the
   * object is looked at and decided again.
   */
  private queuedFromRow(object: ListedObject): boolean {
    const look = object.rowLook;
    if (!look?.exists || decideFor(this.input, object, look, this.input.update).action !== 'update') return false;
    const cost = kmsRequestsPerUpdate(look, this.input.options.bucketKeyEnabled);
    this.updateQueue.push({ object, look, kind: 'update', cost });
    return true;
  }

  /**
   * Puts an inspected object in the queue of its kind (updates and tags; single copies), or works on it alone
   * (skips, multipart copies, objects whose HEAD failed): then returns that attempt.
   */
  private queue(object: ListedObject, look: ObjectSnapshot | null, update: boolean): Promise<void> | undefined {
    const decision = look && decideFor(this.input, object, look, update);
    const { bucketKeyEnabled } = this.input.options;
    if (look?.exists && decision?.action === 'update') {
      this.updateQueue.push({ object, look, kind: 'update', cost: kmsRequestsPerUpdate(look, bucketKeyEnabled) });
    } else if (look?.exists && decision?.action === 'ensure-tag') {
      this.updateQueue.push({ object, look, kind: 'tag', cost: 0 });
    } else if (look?.exists && decision?.action === 'copy' && !decision.multipart) {
      const payload = JSON.stringify(look).length;
      this.copyQueue.push({
        object,
        look,
        kind: 'copy',
        cost: kmsRequestsPerCopy(look, bucketKeyEnabled),
        bytes: look.size,
        payload,
      });
    } else {
      return this.attempt(object, look, update);
    }
    return undefined;
  }

  /**
   * Every object inspected, no batch out (it may hand objects back, or refused updates to the copies), queues empty.
   */
  private allQueuesDone(): boolean {
    return (
      this.inspecting === 0 && this.batchesRunning === 0 && this.updateQueue.length === 0 && this.copyQueue.length === 0
    );
  }

  /** Takes batch after batch from a queue until all are done; lane `i` only while the page has more than `i`. */
  private async lane(
    i: number,
    queue: Planned[],
    bounds: BatchBounds,
    run: (batch: Planned[]) => Promise<void>,
  ): Promise<void> {
    for (;;) {
      await condition(() => (queue.length > 0 && i < this.lanesAllowed) || this.allQueuesDone());
      if (this.allQueuesDone()) return;
      if (queue.length === 0) continue; // another lane took what there was
      this.batchesRunning++;
      try {
        await run(takeBatch(queue, this.weight, bounds));
      } finally {
        this.batchesRunning--;
      }
    }
  }

  private runUpdateBatch(batch: Planned[]): Promise<void> {
    const { bucket, tagKey, tagValue, bucketKeyEnabled } = this.input.options;
    const items = batch.map((p) => batchItem(p.look, p.kind === 'update', p.cost, p.look === p.object.rowLook));
    return this.runBatch(
      'update',
      batch,
      this.updateQueue,
      (cost) => {
        const summary = keyRangeSummary(
          `${items.filter((i) => i.update).length} updates, ${cost} KMS requests`,
          batch.map((p) => p.object),
        );
        return withKmsCost(cost, (a) =>
          a.updateObjects.executeWithOptions({ summary }, [
            { bucket, keyArn: this.input.keyArn, bucketKeyEnabled, tagKey, tagValue, items },
          ]),
        );
      },
      (p, outcome) => {
        const settled = settleUpdate(this.tally, p.look, p.kind === 'update', outcome);
        // Copied instead, decided on a HEAD of its own where only its inventory row was seen.
        if (settled === 'refused')
          return p.look === p.object.rowLook
            ? this.attempt(p.object, null, false)
            : this.queue(p.object, p.look, false);
        if (settled === 'changed') return this.attempt(p.object); // look again and decide again
        this.succeeded(p.object);
      },
    );
  }

  private runCopyBatch(batch: Planned[]): Promise<void> {
    return this.runBatch(
      'copy',
      batch,
      this.copyQueue,
      (cost) => {
        const summary = keyRangeSummary(
          `copies, ${cost} KMS requests`,
          batch.map((p) => p.object),
        );
        const copies = batch.map((p) => copyInputFor(this.input, p.look));
        const kmsCosts = batch.map((p) => p.cost);
        return withKmsCost(cost, (a) => a.copyObjects.executeWithOptions({ summary }, [{ copies, kmsCosts }]));
      },
      (p, outcome) => {
        if (settleCopy(this.tally, p.look, outcome) === 'changed') return this.attempt(p.object); // look again
        this.succeeded(p.object);
      },
    );
  }

  /**
   * Runs one batch activity and settles each object's outcome with `settleOne`, which returns a promise only
   * when the object needs an attempt of its own (detached); objects the task did not get to (the weight in
   * force paid for fewer) go back to the front of `queue`. Settled in one synchronous pass, which spares two
   * or three workflow promises per object.
   */
  private async runBatch<O>(
    kind: 'update' | 'copy',
    batch: Planned[],
    queue: Planned[],
    execute: (cost: number) => Promise<BatchResult<O>>,
    settleOne: (p: Planned, outcome: O | FailedOutcome) => Promise<void> | void,
  ): Promise<void> {
    await this.gate.pass();
    const startedIn = this.gate.resumes;
    let result: BatchResult<O>;
    try {
      result = await execute(batch.reduce((sum, p) => sum + p.cost, 0));
    } catch (err) {
      batch.forEach((p) => this.failed(p.object, err, startedIn));
      return;
    }
    this.learnWeight(result.kmsWeight);
    const undone: Planned[] = [];
    let spent = 0;
    batch.forEach((p, i) => {
      const outcome = result.outcomes[i];
      if (outcome === null) return void undone.push(p);
      spent += p.cost;
      try {
        const followUp = settleOne(p, outcome);
        if (followUp) this.detached.push(followUp);
      } catch (err) {
        this.failed(p.object, err, startedIn);
      }
    });
    queue.unshift(...undone);
    this.tally.counts.kmsRequests += spent;
    this.metrics.kmsRequestsSpent(kind, spent);
    this.metrics.objectsSettled(this.tally.counts);
  }

  /** Works on one object alone, from its first look if given (else a HEAD), and settles it. */
  private attempt(
    object: ListedObject,
    firstLook: ObjectSnapshot | null = null,
    update = this.input.update,
  ): Promise<void> {
    return this.oneByOne.run(async () => {
      const startedIn = this.gate.resumes;
      try {
        await migrateObject(this, object, firstLook, update);
        this.succeeded(object);
      } catch (err) {
        this.failed(object, err, startedIn);
      }
      this.metrics.objectsSettled(this.tally.counts);
    });
  }

  private succeeded(object: ListedObject): void {
    this.pending.delete(object);
    this.reporter.succeeded();
  }

  /**
   * A failure belongs to the resume its attempt started after: one that started before a resume and failed
   * after it is tried again and not counted against the stop-early rule.
   */
  private failed(object: ListedObject, err: unknown, startedIn: number): void {
    const failure = objectFailure(err);
    if (!failure) throw err;
    this.pending.set(object, { ...failure, epoch: startedIn });
    if (startedIn < this.gate.resumes) return;
    this.reporter.failed(failure.code, failure.message);
  }
}
