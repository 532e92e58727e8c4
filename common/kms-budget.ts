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

/** CreateMultipartUpload to SSE-KMS: one GenerateDataKey for the upload's data key (none with a Bucket Key). */
export function kmsRequestsToCreateUpload(bucketKey: boolean): number {
  return bucketKey ? 0 : 1;
}

/** UploadPartCopy: a Decrypt of the upload's data key (none with a Bucket Key) plus the source's Decrypt. */
export function kmsRequestsPerPart(source: SourceEncryption, bucketKey: boolean): number {
  return (bucketKey ? 0 : 1) + sourceDecrypts(source);
}

/**
 * Dispatch below the budget: Temporal's task queue rate limiter lets about one second's worth of tasks
 * through as a burst on top of the steady rate, and a copy's permit may be dispatched a moment before or
 * after the copy itself. At 80% of the budget a five-second window stays within 6 × budget (measured).
 */
export const BURST_HEADROOM = 0.8;

/**
 * The KMS task queue's dispatch rate for a budget of KMS requests per second. Every task on that queue stands
 * for exactly one KMS request: a copy, an upload, a part, or a permit for a copy's second request.
 */
export function kmsQueueRate(budgetRps: number): number {
  return Math.round(budgetRps * BURST_HEADROOM * 100) / 100;
}
