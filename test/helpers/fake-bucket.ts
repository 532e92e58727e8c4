// Fake activities for workflow tests: a bucket of SSE-S3 objects held in memory, updated in place, with
// failures, whole-batch errors and held batches on demand. No S3, no KMS: only the workflows' logic is tested.
import { ApplicationFailure } from '@temporalio/activity';
import type { CopyActivities, S3Activities } from '../../activities';
import { cancelEarlierPages, closedPages } from '../../activities/page-workflows';
import type {
  BatchOutcome,
  CopyInput,
  CopyObjectsInput,
  ListPageInput,
  ObjectSnapshot,
  UpdateObjectsInput,
} from '../../common/contract';

export const FAKE_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/fake';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/other';

export class FakeBucket {
  readonly keys: string[];
  /** Successful updates per key: a correct migration updates each object exactly once. */
  readonly updates = new Map<string, number>();
  /** updateObjects activities started, and those still waiting on `hold`. */
  batchesStarted = 0;
  batchesHeld = 0;
  /** Objects each updateObjects activity worked on, in order (a retry counts again). */
  readonly batchSizes: number[] = [];
  /** Objects in each inspectObjects call, in the order they came. */
  readonly inspectSizes: number[] = [];
  /** Objects under another KMS key (without a Bucket Key): updating one costs 2 KMS requests, not 1. */
  otherKeyKeys = new Set<string>();
  /** The weight in force, as the KMS queue's record holds it: a batch does only what it pays for. */
  kmsWeight = 250;
  /** Objects each copyObjects activity copied, in order. */
  readonly copyBatchSizes: number[] = [];
  /** KMS requests each updateObjects activity spent, in order. */
  readonly batchCosts: number[] = [];
  /** What a batch answers for this key instead of updating it (asked once per batched attempt), or undefined. */
  outcomeFor: (key: string) => BatchOutcome | undefined = () => undefined;
  /** A permanent error for updating this key, or undefined. */
  failUpdate: (key: string) => { code: string; message: string } | undefined = () => undefined;
  /** Thrown by a batch holding this key instead of answering (the activity fails). */
  throwForBatch: (keys: string[], attempt: number) => Error | undefined = () => undefined;
  /** Batches that hold one of these keys wait until release(). */
  holdKeys = new Set<string>();
  /** Unencrypted objects of 100 MiB: copied in parts (a copyInParts child), whose upload waits until release(). */
  largeKeys = new Set<string>();
  uploadsStarted = 0;
  /**
   * Parts of multipart copies started and copied so far, each taking partMs (and waiting for releaseParts() while
   * holdParts).
   */
  /** Uploads wait until release() (the default), or start at once. */
  holdUploads = true;
  partsStarted = 0;
  partsCopied = 0;
  partMs = 50;
  holdParts = false;
  private partsReleased!: () => void;
  private partsHeld = new Promise<void>((resolve) => (this.partsReleased = resolve));
  /** UpdateObjectEncryption refuses every object (as for a key of another account): each is copied alone. */
  refuseUpdates = false;
  /** SSE-S3 objects whose update S3 refuses (as under a key of another account): copied instead (in parts if large). */
  refusedKeys = new Set<string>();
  /** Every batched HEAD fails for its object (null): each object is then looked at, and decided, alone. */
  failBatchedHeads = false;
  /** Listed as an inventory lists SSE-S3 objects: each with its row's look (ListedObject.rowLook). */
  rowLooks = false;
  /** Objects a run since the inventory marked: a batch answers 'changed' for each one given from its row. */
  readonly markedSince = new Set<string>();
  /** Keys of the batch items that said they were known only from their row, in order. */
  readonly fromRowItems: string[] = [];
  /** HEADs of one object alone (inspectObject). */
  singleInspects = 0;

  private released!: () => void;
  private held = new Promise<void>((resolve) => (this.released = resolve));
  private attempts = new Map<string, number>();

  constructor(objects: number) {
    this.keys = Array.from({ length: objects }, (_, i) => `k/${String(i).padStart(5, '0')}`);
  }

  release(): void {
    this.released();
    this.partsReleased();
  }

  releaseParts(): void {
    this.partsReleased();
  }

  migrated(): number {
    return [...this.updates.values()].filter((n) => n > 0).length;
  }

  activities(): Partial<S3Activities & CopyActivities> {
    return {
      preflight: async () => ({
        keyArn: FAKE_KEY_ARN,
        region: 'us-east-1',
        versioning: 'Disabled',
        update: { available: true },
        acls: false,
      }),
      listPage: async ({ after, maxKeys }: ListPageInput) => {
        const rest = this.keys.filter((k) => after.key === undefined || k > after.key);
        const page = rest.slice(0, maxKeys);
        return {
          objects: page.map((key) => ({
            key,
            size: 1,
            etag: '"e"',
            ...(this.rowLooks ? { rowLook: this.snapshot(key) } : {}),
          })),
          olderVersions: 0,
          next: { key: page.at(-1) ?? after.key },
          done: rest.length <= maxKeys,
        };
      },
      inspectObjects: async ({ keys }: { keys: string[] }) => {
        this.inspectSizes.push(keys.length);
        return keys.map((key) => (this.failBatchedHeads ? null : this.snapshot(key)));
      },
      inspectObject: async ({ key }: { key: string }) => {
        this.singleInspects++;
        return this.snapshot(key);
      },
      updateObjects: async ({ items: given }: UpdateObjectsInput): ReturnType<CopyActivities['updateObjects']> => {
        const batchId = given.map((i) => i.key).join(',');
        const attempt = (this.attempts.get(batchId) ?? 0) + 1;
        this.attempts.set(batchId, attempt);
        this.batchesStarted++;
        if (given.some((i) => this.holdKeys.has(i.key))) {
          this.batchesHeld++;
          await this.held;
          this.batchesHeld--;
        }
        // As the real activity: a batch that costs KMS requests reads the weight in force when it runs and does
        // the first items that weight pays for.
        const paid = given.some((i) => i.kmsCost > 0);
        const items = paid ? given.slice(0, this.paidFor(given.map((i) => i.kmsCost))) : given;
        const undone = given.slice(items.length).map(() => null);
        this.batchCosts.push(items.reduce((sum, i) => sum + i.kmsCost, 0));
        const keys = items.map((i) => i.key);
        this.batchSizes.push(keys.length);
        const thrown = this.throwForBatch(keys, attempt);
        if (thrown) throw thrown;
        this.fromRowItems.push(...items.filter((i) => i.fromRow).map((i) => i.key));
        const outcomes = items.map(({ key, fromRow }): BatchOutcome => {
          if (fromRow && this.markedSince.has(key)) return { status: 'changed' };
          if (this.refuseUpdates || this.refusedKeys.has(key))
            return { status: 'refused', code: 'AccessDenied', message: 'refused' };
          const answer = this.outcomeFor(key);
          if (answer) return answer;
          const failure = this.failUpdate(key);
          if (failure) return { status: 'failed', ...failure };
          this.updates.set(key, (this.updates.get(key) ?? 0) + 1);
          return { status: 'updated' };
        });
        return { outcomes: [...outcomes, ...undone], kmsWeight: paid ? this.kmsWeight : undefined };
      },
      copyObject: async ({ source }: { source: { key: string } }) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        this.updates.set(source.key, (this.updates.get(source.key) ?? 0) + 1);
        return { status: 'copied', bytes: 1 };
      },
      copyObjects: async ({ copies, kmsCosts }: CopyObjectsInput): ReturnType<CopyActivities['copyObjects']> => {
        const n = this.paidFor(kmsCosts);
        this.copyBatchSizes.push(n);
        for (const { source } of copies.slice(0, n))
          this.updates.set(source.key, (this.updates.get(source.key) ?? 0) + 1);
        return {
          outcomes: copies.map((copy, i) => (i < n ? { status: 'copied', bytes: copy.source.size } : null)),
          kmsWeight: this.kmsWeight,
        };
      },
      startUpload: async () => {
        this.uploadsStarted++;
        if (this.holdUploads) await this.held;
        return { status: 'started', uploadId: 'u' };
      },
      copyPart: async () => {
        this.partsStarted++;
        if (this.holdParts) await this.partsHeld;
        await new Promise((resolve) => setTimeout(resolve, this.partMs));
        this.partsCopied++;
        return 'copied';
      },
      completeUpload: async ({ source }: CopyInput) => {
        this.updates.set(source.key, (this.updates.get(source.key) ?? 0) + 1);
        return { status: 'copied', bytes: source.size };
      },
      abortUpload: async () => undefined,
      closedPages, // the real ones: they ask the test's Temporal server
      cancelEarlierPages,
      bucketDefaultEncryption: async () => ({ underKey: false, setting: 'SSE-S3 (AES256)' }),
      bucketPolicyCheck: async () => ({ inPlace: false, detail: 'no bucket policy' }),
    };
  }

  /** How many items, from the first, the weight in force pays for (at least one). */
  private paidFor(costs: number[]): number {
    let n = 0;
    for (let spent = 0; n < costs.length; n++) {
      spent += costs[n];
      if (n > 0 && spent > this.kmsWeight) break;
    }
    return n;
  }

  private snapshot(key: string): ObjectSnapshot {
    const updated = (this.updates.get(key) ?? 0) > 0;
    const large = this.largeKeys.has(key);
    return {
      exists: true,
      key,
      size: large ? 100 * 1024 * 1024 : 1,
      etag: '"e"',
      storageClass: 'STANDARD',
      sse:
        updated || this.otherKeyKeys.has(key) ? 'aws:kms' : large && !this.refusedKeys.has(key) ? undefined : 'AES256',
      kmsKeyArn: updated ? FAKE_KEY_ARN : this.otherKeyKeys.has(key) ? OTHER_KEY_ARN : undefined,
      archived: false,
      tagCount: 0,
    };
  }
}

/** A permanent failure of a whole batch, as the activities throw one. */
export function nonRetryable(type: string, message: string): Error {
  return ApplicationFailure.nonRetryable(message, type);
}
