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
 * The KMS queue dispatches a little below the budget. Temporal's task-queue rate limiter is a token bucket
 * holding one second of the rate (per partition, rounded up): after the queue was idle (a start, a resume)
 * it lets that second through at once on top of the rate. So each stretch of work starts at WARM_HEADROOM of
 * the budget, whose first 5-second window holds at most 6 × 0.8 = 4.8 seconds' worth, and the coordinator
 * raises the rate to STEADY_HEADROOM once the queue is busy (KMS_WARM_UP_MS after the first page starts, or
 * after a resume): a busy queue keeps no tokens, so the raise lets nothing through at once. A queue that ran
 * dry mid-run fills its bucket again: a 5-second window can then hold 5 × 0.95 + 1 seconds' worth (README,
 * "The KMS budget"). Measured: test/integration/kms-rate.test.ts and npm run bench (budget tracking).
 */
export const WARM_HEADROOM = 0.8;
export const STEADY_HEADROOM = 0.95;
/** How long the KMS queue runs at the warm-up rate after a start, a resume or a new budget. */
export const KMS_WARM_UP_MS = 5000;
export type KmsQueuePhase = 'warm-up' | 'steady';
const headroom = (phase: KmsQueuePhase) => (phase === 'steady' ? STEADY_HEADROOM : WARM_HEADROOM);

/** Seconds that `kmsRequests` take at a budget: the warm-up's rate first, then the steady rate. */
export function secondsAtBudget(kmsRequests: number, budgetRps: number): number {
  const warmUpRequests = budgetRps * WARM_HEADROOM * (KMS_WARM_UP_MS / 1000);
  if (kmsRequests <= warmUpRequests) return kmsRequests / (budgetRps * WARM_HEADROOM);
  return KMS_WARM_UP_MS / 1000 + (kmsRequests - warmUpRequests) / (budgetRps * STEADY_HEADROOM);
}

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
  return Math.max(1, Math.min(MAX_KMS_WEIGHT, Math.floor((budgetRps * STEADY_HEADROOM) / KMS_TASKS_PER_SECOND)));
}

/**
 * The KMS task queue's dispatch rate, in tasks per second, for a budget of KMS requests per second: every
 * task on that queue stands for kmsTaskWeight(budget) requests (a batch, a copy, an upload, a part, or a
 * permit for what does not fit in one task). The warm-up rate is the one set before work starts.
 */
export function kmsQueueRate(budgetRps: number, phase: KmsQueuePhase = 'warm-up'): number {
  return Math.round(((budgetRps * headroom(phase)) / kmsTaskWeight(budgetRps)) * 1000) / 1000;
}

/** Tasks of weight `weight` needed to pay for `kmsRequests` requests (none when they cost nothing). */
export function kmsTasksFor(kmsRequests: number, weight: number): number {
  return Math.ceil(kmsRequests / weight);
}
