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

/**
 * KMS requests S3 makes for one single CopyObject to SSE-KMS: a GenerateDataKey for the new object, plus a
 * Decrypt when the source is itself under KMS. With S3 Bucket Keys, S3 reuses a bucket-level data key and
 * makes about one request per key lifetime instead: close to zero per object.
 */
export function kmsRequestsPerCopy(sourceUnderKms: boolean, bucketKey: boolean): number {
  return (bucketKey ? 0 : 1) + (sourceUnderKms ? 1 : 0);
}

/** A multipart copy: one GenerateDataKey to create the upload, one Decrypt per part (two if the source is under KMS). */
export function kmsRequestsPerMultipartCopy(parts: number, sourceUnderKms: boolean): number {
  return 1 + parts * (sourceUnderKms ? 2 : 1);
}

/** S3's write rate per partitioned prefix (PUT/COPY per second): no use dispatching copies faster. */
export const S3_WRITES_PER_PREFIX_RPS = 3500;

/**
 * Temporal's task queue rate limiter lets about one second's worth of tasks through as a burst on top of
 * the steady rate; dispatching at 90% of the budget keeps any few-second window within it.
 */
export const BURST_HEADROOM = 0.9;

/**
 * Copy tasks per second for a budget of KMS requests per second. Each copy task of an SSE-S3 object costs one
 * KMS request; with Bucket Keys about 1% of one (AWS: up to 99% fewer), so the S3 write rate bounds instead.
 */
export function copyTasksPerSecond(budgetRps: number, bucketKey: boolean): number {
  const perSecond = (bucketKey ? budgetRps * 100 : budgetRps) * BURST_HEADROOM;
  return Math.min(Math.round(perSecond * 100) / 100, S3_WRITES_PER_PREFIX_RPS);
}
