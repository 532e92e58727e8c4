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
 * Dispatch a little below the budget: Temporal's task queue rate limiter lets about one second's worth of
 * tasks through as a burst on top of the steady rate (at a start, and after a pause), and a permit may be
 * dispatched a moment before or after the step it pays for. At 85%, a 5-second window holds at most about
 * 6 × 0.85 = 5.1 seconds' worth plus that jitter (measured: test/integration/kms-rate.test.ts), and the
 * steady rate is 85% of the budget (measured: npm run bench). 90% measured 116% in a 5-second window.
 */
export const BURST_HEADROOM = 0.85;

/**
 * Tasks per second the KMS queue is meant to dispatch at most: every task is orchestration (history events,
 * a Temporal Cloud action). Fewer, heavier tasks cost less; a task's weight is at most a tenth of a second's
 * budget, so a 5-second window is off by at most 2% from a task's granularity.
 */
export const KMS_TASKS_PER_SECOND = 10;
/** Objects in one batch at most, whatever the budget: a retried batch repeats at most this many. */
export const MAX_KMS_WEIGHT = 100;

/**
 * KMS requests one task of the KMS queue stands for: 1 for small budgets (every task one request, as for
 * copies), growing with the budget so the queue stays near KMS_TASKS_PER_SECOND tasks. A batch of updates fills
 * a task up to this weight; a copy's task stands for the whole weight (it is conservative: it spends less).
 */
export function kmsTaskWeight(budgetRps: number): number {
  return Math.max(1, Math.min(MAX_KMS_WEIGHT, Math.floor((budgetRps * BURST_HEADROOM) / KMS_TASKS_PER_SECOND)));
}

/**
 * The KMS task queue's dispatch rate, in tasks per second, for a budget of KMS requests per second: every
 * task on that queue stands for kmsTaskWeight(budget) requests (a batch, a copy, an upload, a part, or a
 * permit for what does not fit in one task).
 */
export function kmsQueueRate(budgetRps: number): number {
  return Math.round(((budgetRps * BURST_HEADROOM) / kmsTaskWeight(budgetRps)) * 1000) / 1000;
}

/** Tasks of weight `weight` needed to pay for `kmsRequests` requests (none when they cost nothing). */
export function kmsTasksFor(kmsRequests: number, weight: number): number {
  return Math.ceil(kmsRequests / weight);
}
