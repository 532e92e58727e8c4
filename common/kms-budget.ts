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

/**
 * CompleteMultipartUpload to SSE-KMS: S3 decrypts the upload's data key to finish the object (AWS requires
 * kms:Decrypt for it); none with a Bucket Key.
 */
export function kmsRequestsToCompleteUpload(bucketKey: boolean): number {
  return bucketKey ? 0 : 1;
}

/** UploadPartCopy: a Decrypt of the upload's data key (none with a Bucket Key) plus the source's Decrypt. */
export function kmsRequestsPerPart(source: SourceEncryption, bucketKey: boolean): number {
  return (bucketKey ? 0 : 1) + sourceDecrypts(source);
}

/**
 * How the KMS queue keeps the budget. Temporal's task-queue rate limiter is a token bucket per partition that
 * holds one second of that partition's rate, rounded up to whole tasks: after the queue ran dry — at the start,
 * after a pause, where pages run out, across a stretch of objects that cost no KMS request — each partition
 * lets its bucket through at once, on top of the rate. At T tasks per second over P partitions, any 5-second
 * window therefore holds at most P × ⌈T/P⌉ + 5T tasks; the rate is the highest T for which that stays within
 * 110% of the budget's 5 seconds, with 100 ms to spare for dispatch jitter. Measured:
 * test/integration/kms-rate.test.ts and npm run bench (budget tracking).
 */
const WINDOW_SECONDS = 5;
const WINDOW_LIMIT = 1.1;
/**
 * How much later one task's KMS requests may reach S3 after its dispatch than another's: a copy reads the
 * object's tags and grants first, a busy worker starts an activity later. What was measured, and what each
 * tenth of a second costs of the budget: docs/kms-budget.md.
 */
const DISPATCH_JITTER_SECONDS = 0.1;

/**
 * The most tasks the KMS queue lets through in any WINDOW_SECONDS at `tasksPerSecond`: each partition's bucket,
 * then its share of the rate.
 */
export function mostTasksInWindow(tasksPerSecond: number, partitions = 1): number {
  const share = tasksPerSecond / partitions;
  return partitions * Math.floor(Math.ceil(share) + WINDOW_SECONDS * share);
}

/**
 * Tasks per second the KMS queue aims at: every task is orchestration (history events, a Temporal Cloud
 * action), so fewer, heavier tasks cost less; a task's weight near a tenth of a second's budget keeps a 5-second
 * window within 2% of the budget whatever the task's granularity.
 */
export const KMS_TASKS_PER_SECOND = 10;
/**
 * Objects one batch activity handles at most (HEADs, updates and tags, copies), and so the most KMS requests
 * one KMS-queue task stands for. Each batch is an activity task and about six history events, the
 * orchestration an object costs. 250: two batches per page of 500 (the default), so a page HEADs its second
 * half while its first is updated; a weight near a tenth of a second's budget at the default budget of
 * 2,750/s; and inputs and results far below Temporal's 2 MiB payload limit, whatever the objects' headers
 * (HEAD results are cut at 1 MiB: activities/inspect-object.ts).
 */
export const MAX_BATCH_OBJECTS = 250;
/**
 * The fewest KMS requests a task of the KMS queue stands for: the most that one object's step can cost — an
 * update, copy or part of an object under another KMS key is a Decrypt under that key and a GenerateDataKey
 * under the new one. So every step fits in one task, and its requests happen when the task that pays for them
 * is dispatched.
 */
export const KMS_WEIGHT_FLOOR = 2;
/**
 * At small budgets a tenth of a second's budget is a task of a few objects, and orchestration per object grows
 * tenfold (3 history events per object at 21 requests/s). Below 200 requests/s a task stands for at least this
 * many requests (or half a second of the budget, if that is less): the queue then dispatches 2–10 tasks a
 * second, and a 5-second window still holds ten tasks or more.
 */
const SMALL_BUDGET_WEIGHT = 20;

/**
 * KMS requests one task of the KMS queue stands for at a budget: a tenth of a second of it, at least
 * SMALL_BUDGET_WEIGHT (or half a second, if less) and KMS_WEIGHT_FLOOR, at most MAX_BATCH_OBJECTS. A batch of
 * updates or copies fills a task up to this weight; a single step's task stands for the whole weight (it is
 * conservative: it may spend less).
 */
export function kmsTaskWeight(budgetRps: number): number {
  const tenth = Math.floor((budgetRps * WEIGHT_SHARE) / KMS_TASKS_PER_SECOND);
  const least = Math.max(KMS_WEIGHT_FLOOR, Math.min(SMALL_BUDGET_WEIGHT, Math.floor((budgetRps * WEIGHT_SHARE) / 2)));
  return Math.min(MAX_BATCH_OBJECTS, Math.max(least, tenth));
}
const WEIGHT_SHARE = 0.95;

/** A budget Temporal's limiter cannot hold: the bursts of the queue's partitions alone would exceed it. */
export class KmsBudgetTooLow extends Error {}

/**
 * The KMS task queue's dispatch rate, in tasks per second, for a budget of KMS requests per second over
 * `partitions` partitions: every task on that queue stands for kmsTaskWeight(budget) requests. The highest
 * rate, to a thousandth, whose every 5-second window (mostTasksInWindow, widened by the dispatch jitter)
 * stays within WINDOW_LIMIT of the budget. Throws KmsBudgetTooLow where the partitions' buckets alone exceed it.
 */
export function kmsQueueRate(budgetRps: number, partitions = 1): number {
  const weight = kmsTaskWeight(budgetRps);
  const allowed = Math.floor((WINDOW_LIMIT * WINDOW_SECONDS * budgetRps) / weight + 1e-9); // tasks per window
  const thousandths = (rate: number) => Math.floor(rate * 1000) / 1000;
  const span = WINDOW_SECONDS + DISPATCH_JITTER_SECONDS;
  if (allowed + 1 - partitions <= 0) {
    // One partition: below one task per window no rate can keep it; 11/12 of the budget on average, as elsewhere.
    if (partitions === 1)
      return thousandths(((budgetRps / weight) * (WINDOW_LIMIT * WINDOW_SECONDS)) / (WINDOW_SECONDS + 1));
    const least = Math.ceil((partitions * weight) / (WINDOW_LIMIT * WINDOW_SECONDS));
    throw new KmsBudgetTooLow(
      `a KMS budget of ${budgetRps} requests/s cannot be held on a KMS queue of ${partitions} partitions: their ` +
        `bursts alone are ${partitions} tasks of ${weight} requests; give the queue one partition (docs/kms-budget.md) ` +
        `or a budget of at least ${least}/s`,
    );
  }
  // With buckets of k tasks per partition, a window holds at most `allowed` while P·k + rate × span < allowed + 1.
  let best = 0;
  for (let k = 1; k * partitions <= allowed + 1; k++) {
    best = Math.max(best, Math.min(k * partitions, (allowed + 1 - k * partitions) / span - 0.001));
  }
  if (best <= 0)
    throw new KmsBudgetTooLow(`a KMS budget of ${budgetRps} requests/s cannot be held on ${partitions} partitions`);
  return thousandths(best);
}

/** How the KMS queue runs at a budget: written to it as one record (common/kms-queue-config.ts). */
export interface KmsQueuePlan {
  /** KMS requests per second every running migration together may cause. */
  budgetRps: number;
  /** KMS requests one task of the queue stands for. */
  weight: number;
  /** Tasks per second Temporal dispatches from the queue, to all workers together. */
  tasksPerSecond: number;
  /** The queue's partitions the rate was computed for. */
  partitions: number;
}

export function planKmsQueue(budgetRps: number, partitions = 1): KmsQueuePlan {
  return {
    budgetRps,
    weight: kmsTaskWeight(budgetRps),
    tasksPerSecond: kmsQueueRate(budgetRps, partitions),
    partitions,
  };
}

/** Seconds that `kmsRequests` take at a budget, at the KMS queue's rate on one partition. */
export function secondsAtBudget(kmsRequests: number, budgetRps: number): number {
  const plan = planKmsQueue(budgetRps);
  return kmsRequests / (plan.tasksPerSecond * plan.weight);
}

/** KMS requests per second the queue dispatches on average at a plan: a little below the budget. */
export function plannedKmsRps(plan: KmsQueuePlan): number {
  return plan.tasksPerSecond * plan.weight;
}
