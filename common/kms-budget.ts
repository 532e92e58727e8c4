// The KMS request model. Imports nothing: shared by the client and workflows.

/** Lowest regional default of "Cryptographic operations (symmetric) request rate". */
export const DEFAULT_KMS_QUOTA_RPS = 5500;
export const DEFAULT_KMS_SHARE = 0.5;

export interface BudgetFlags {
  maxKmsRps?: number;
  kmsQuotaRps?: number;
  kmsShare?: number;
}

/** KMS requests per second this migration may cause: given directly, or as a share of the account's quota. */
export function kmsBudgetRps(flags: BudgetFlags): number {
  if (flags.maxKmsRps !== undefined) return flags.maxKmsRps;
  return (flags.kmsQuotaRps ?? DEFAULT_KMS_QUOTA_RPS) * (flags.kmsShare ?? DEFAULT_KMS_SHARE);
}

/** How the source object is encrypted, as HEAD tells it. */
export interface SourceEncryption {
  sse?: string;
  bucketKeyEnabled?: boolean;
}

/**
 * One Decrypt each time S3 reads a source under KMS, unless the source has its own Bucket Key (S3 caches
 * the bucket-level key it decrypted, so per-object requests drop to about zero).
 */
function sourceDecrypts(source: SourceEncryption): number {
  return source.sse === 'aws:kms' && !source.bucketKeyEnabled ? 1 : 0;
}

/**
 * KMS requests S3 makes for one CopyObject to SSE-KMS: a GenerateDataKey for the new object (none with a
 * Bucket Key: S3 reuses the bucket-level key) plus the source's Decrypt.
 */
export function kmsRequestsPerCopy(source: SourceEncryption, bucketKey: boolean): number {
  return (bucketKey ? 0 : 1) + sourceDecrypts(source);
}

/**
 * KMS requests S3 makes for one UpdateObjectEncryption. AWS documents the permissions (kms:GenerateDataKey,
 * Encrypt, Decrypt, ReEncrypt*) but not the number of requests per object. Counted conservatively, like a
 * copy: the object's data key is decrypted if it is under KMS (none with a Bucket Key of its own, as for every
 * read) and encrypted under the new key (none with a Bucket Key on the new encryption). A ReEncrypt would be
 * one request where this counts two.
 */
export function kmsRequestsPerUpdate(source: SourceEncryption, bucketKey: boolean): number {
  return kmsRequestsPerCopy(source, bucketKey);
}

/** CreateMultipartUpload to SSE-KMS: one GenerateDataKey for the upload's data key (none with a Bucket Key). */
export function kmsRequestsToCreateUpload(bucketKey: boolean): number {
  return bucketKey ? 0 : 1;
}

/** UploadPartCopy: a Decrypt of the upload's data key (none with a Bucket Key) plus the source's Decrypt. */
export function kmsRequestsPerPart(source: SourceEncryption, bucketKey: boolean): number {
  return (bucketKey ? 0 : 1) + sourceDecrypts(source);
}

/**
 * The KMS queue dispatches below the budget by as much as Temporal's task-queue rate limiter can burst.
 * The limiter is a token bucket holding one second of the rate, rounded up (per partition; the KMS queue has
 * one): after the queue ran dry — at the start, after a pause, where pages run out, across a stretch of
 * objects that cost no KMS request — it lets that bucket through at once on top of the rate. At T tasks per
 * second, any 5-second window therefore holds at most ⌈T⌉ + 5T tasks; the rate is the highest T for which
 * that stays within 110% of the budget's 5 seconds, with 100 ms to spare for dispatch jitter: about 90% of
 * the budget (11/12 at most, whatever the limiter's rate). Measured:
 * test/integration/kms-rate.test.ts and npm run bench (budget tracking).
 */
const WINDOW_SECONDS = 5;
const WINDOW_LIMIT = 1.1;
/**
 * How much later one task's KMS requests may reach S3 after its dispatch than another's: a copy reads the
 * object's tags and grants first, a busy worker starts an activity later. Measured on the local stack (two
 * workers, 2 cores): 10–60 ms mid-run, up to 250 ms for the burst at a migration's start (docs/kms-budget.md).
 * Each 0.05 s costs about 1% of the budget on average.
 */
const DISPATCH_JITTER_SECONDS = 0.1;

/** The most tasks the KMS queue lets through in any WINDOW_SECONDS at `tasksPerSecond`: its bucket, then the rate. */
export function mostTasksInWindow(tasksPerSecond: number): number {
  return Math.floor(Math.ceil(tasksPerSecond) + WINDOW_SECONDS * tasksPerSecond);
}

/** Seconds that `kmsRequests` take at a budget, at the KMS queue's rate (for a migration started now). */
export function secondsAtBudget(kmsRequests: number, budgetRps: number): number {
  return kmsRequests / (kmsQueueRate(budgetRps, TASK_LIMITS) * kmsTaskWeight(budgetRps, TASK_LIMITS));
}

/**
 * Tasks per second the KMS queue is meant to dispatch at most: every task is orchestration (history events,
 * a Temporal Cloud action). Fewer, heavier tasks cost less; a task's weight is at most a tenth of a second's
 * budget, so a 5-second window is off by at most 2% from a task's granularity.
 */
export const KMS_TASKS_PER_SECOND = 10;
/**
 * Objects one batch activity handles at most (HEADs, updates and tags, copies), and so the most KMS requests
 * one KMS-queue task stands for, in migrations started now. Each batch is an activity task and about six
 * history events, the orchestration an object costs. 250: two batches per page of 500 (the default), so a
 * page HEADs its second half while its first is updated; a weight near a tenth of a second's budget at the
 * default budget of 2,750/s; and inputs and results far below Temporal's 2 MiB payload limit, whatever the
 * objects' headers (HEAD results are cut at 1 MiB: activities/inspect-object.ts).
 */
export const MAX_BATCH_OBJECTS = 250;
/** Migrations started before carry no maxBatchObjects in their options: they keep 100. */
const MAX_BATCH_OBJECTS_BEFORE = 100;

/**
 * The fewest KMS requests a task of the KMS queue stands for, in migrations started now: the most that one
 * object's step can cost — an update, copy or part of an object under another KMS key is a Decrypt under that
 * key and a GenerateDataKey under the new one. So every step fits in one task, and its requests happen when the
 * task that pays for them is dispatched. (With a floor of 1, an object costing 2 needed a permit task beside
 * its own; the two were dispatched apart, and a 5-second window at S3 could hold requests paid for before it.)
 * Migrations started before carry no floor in their options: 1, the rate their client set.
 */
export const KMS_WEIGHT_FLOOR = 2;

/** The bounds of one KMS-queue task's weight, and of one batch's objects: set when a migration starts. */
export interface TaskLimits {
  /** The fewest KMS requests one task stands for. */
  floor: number;
  /** The most KMS requests one task stands for, and the most objects one batch holds. */
  cap: number;
}

/** What the client puts in the options of a migration it starts now. */
export const TASK_LIMITS: TaskLimits = { floor: KMS_WEIGHT_FLOOR, cap: MAX_BATCH_OBJECTS };

/** A migration's task limits, from its options: what its client chose, or what migrations had before there was a choice. */
export function taskLimitsOf(options: { kmsWeightFloor?: number; maxBatchObjects?: number }): TaskLimits {
  return { floor: options.kmsWeightFloor ?? 1, cap: options.maxBatchObjects ?? MAX_BATCH_OBJECTS_BEFORE };
}

/**
 * KMS requests one task of the KMS queue stands for: the floor for small budgets, growing with the budget so
 * the queue stays near KMS_TASKS_PER_SECOND tasks, up to the cap. A batch of updates or copies fills a task up
 * to this weight; a single step's task stands for the whole weight (it is conservative: it may spend less).
 */
export function kmsTaskWeight(budgetRps: number, limits: TaskLimits): number {
  return Math.max(limits.floor, Math.min(limits.cap, Math.floor((budgetRps * WEIGHT_SHARE) / KMS_TASKS_PER_SECOND)));
}
/** Fixed: pages compute their weight in workflow code, so a new share would change replayed batches. */
const WEIGHT_SHARE = 0.95;

/**
 * The KMS task queue's dispatch rate, in tasks per second, for a budget of KMS requests per second: every
 * task on that queue stands for kmsTaskWeight(budget, limits) requests (a batch, a copy, an upload, a part; in
 * migrations started before the floor of 2, also a permit for what did not fit in one task). The highest
 * rate, to a thousandth, whose every 5-second window (mostTasksInWindow, widened by the dispatch jitter)
 * stays within WINDOW_LIMIT of the budget.
 */
export function kmsQueueRate(budgetRps: number, limits: TaskLimits): number {
  const weight = kmsTaskWeight(budgetRps, limits);
  const allowed = Math.floor((WINDOW_LIMIT * WINDOW_SECONDS * budgetRps) / weight + 1e-9); // tasks per window
  const thousandths = (rate: number) => Math.floor(rate * 1000) / 1000;
  // Below one task per window no rate can keep it: 11/12 of the budget on average, as everywhere else.
  if (allowed < 1) return thousandths((budgetRps / weight) * (WINDOW_LIMIT * WINDOW_SECONDS) / (WINDOW_SECONDS + 1));
  // With a bucket of k tasks (k = ⌈rate⌉), a window holds at most `allowed` while k + rate × (window + jitter) < allowed + 1.
  const span = WINDOW_SECONDS + DISPATCH_JITTER_SECONDS;
  const rateWithBucket = (k: number) => Math.min(k, (allowed + 1 - k) / span - 0.001);
  const even = (allowed + 1) / (span + 1);
  return thousandths(Math.max(rateWithBucket(Math.max(1, Math.floor(even))), rateWithBucket(Math.max(1, Math.ceil(even)))));
}

/** Tasks of weight `weight` needed to pay for `kmsRequests` requests (none when they cost nothing). */
export function kmsTasksFor(kmsRequests: number, weight: number): number {
  return Math.ceil(kmsRequests / weight);
}
