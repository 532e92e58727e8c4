import { z } from 'zod';
import { kmsBudgetRps } from '../common/kms-budget';
import { DEFAULTS, type MigrationOptions } from '../common/types';
import { GIB, MAX_LIST_KEYS, MAX_PART_BYTES, MIN_PART_BYTES } from '../common/s3-limits';

const int = (what: string) =>
  z.coerce.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`);

// S3 bucket naming rules (general purpose buckets).
const bucketName = z
  .string({ error: '--bucket is required' })
  .min(3, '--bucket must be 3 to 63 characters')
  .max(63, '--bucket must be 3 to 63 characters')
  .regex(
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    '--bucket may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit',
  );

export /**
 * S3's rules for a tag (User Guide, "Categorizing your storage using tags"): a key of 1 to 128 and a value of
 * up to 256 Unicode characters, of letters, digits, spaces and + - = . _ : / @; no key starts with aws:.
 * Checked before anything starts: S3 would refuse every tagging and every copy.
 */
const TAG_CHARACTERS = /^[\p{L}\p{N}\p{Zs}+\-=._:/@]*$/u;
const tagCharacters = (flag: string) =>
  `${flag} may hold only letters, digits, spaces and + - = . _ : / @ (S3's rule for tags)`;

/**
 * The marker's share of a copy's request headers at most (S3 takes 8 KiB of headers, user metadata up to 2 KiB of
 * them).
 */
const MARKER_HEADER_BYTES = 512;

function markerHeaderBytes(key: string, value: string): number {
  return Buffer.byteLength(`&${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
}

export const markerTagKey = z
  .string()
  .min(1, '--tag-key must not be empty')
  .max(128, '--tag-key must be at most 128 characters')
  .regex(TAG_CHARACTERS, tagCharacters('--tag-key'))
  .refine((key) => !/^aws:/i.test(key), '--tag-key must not start with aws: (reserved by AWS)')
  .default(DEFAULTS.tagKey);

export const markerTagValue = z
  .string()
  .max(256, '--tag-value must be at most 256 characters')
  .regex(TAG_CHARACTERS, tagCharacters('--tag-value'))
  .default(DEFAULTS.tagValue);

const startSchema = z
  .object({
    bucket: bucketName,
    kmsKey: z
      .string({ error: '--kms-key is required (alias/NAME, key ID or key ARN)' })
      .min(1, '--kms-key must not be empty'),
    prefix: z
      .string()
      .default('')
      .refine((p) => Buffer.byteLength(p) <= 1024, '--prefix must be at most 1024 bytes (S3 key length)')
      .refine(
        (p) => !/[\u0000-\u001f\u007f]/.test(p),
        '--prefix must not contain control characters (S3 listings cannot carry them)',
      ),
    bucketKey: z.boolean().default(false),
    multipartThreshold: int('--multipart-threshold')
      .min(1, '--multipart-threshold must be at least 1 byte')
      .max(5 * GIB, '--multipart-threshold must be at most 5 GiB (the largest single CopyObject)')
      .default(DEFAULTS.multipartThresholdBytes),
    partSize: int('--part-size')
      .min(MIN_PART_BYTES, "--part-size must be at least 5 MiB (5242880), S3's minimum part size")
      .max(MAX_PART_BYTES, '--part-size must be at most 5 GiB')
      .default(DEFAULTS.partSizeBytes),
    pageSize: int('--page-size')
      .min(1, '--page-size must be at least 1')
      .max(MAX_LIST_KEYS, '--page-size must be at most 1000')
      .default(DEFAULTS.pageSize),
    pagesInFlight: int('--pages-in-flight')
      .min(1, '--pages-in-flight must be at least 1')
      .max(50, '--pages-in-flight must be at most 50')
      .default(DEFAULTS.pagesInFlight),
    pagesPerRun: int('--pages-per-run')
      .min(1, '--pages-per-run must be at least 1')
      .max(500, '--pages-per-run must be at most 500')
      .default(DEFAULTS.pagesPerRun),
    maxFailureRate: z.coerce
      .number({ error: '--max-failure-rate must be a number' })
      .gt(0, '--max-failure-rate must be above 0')
      .max(1, '--max-failure-rate must be at most 1 (1 never pauses)')
      .default(DEFAULTS.maxFailureRate),
    maxKmsRps: z.coerce
      .number({ error: '--max-kms-rps must be a number' })
      .positive('--max-kms-rps must be above 0')
      .optional(),
    kmsQuotaRps: z.coerce
      .number({ error: '--kms-quota-rps must be a number' })
      .positive('--kms-quota-rps must be above 0')
      .optional(),
    kmsShare: z.coerce
      .number({ error: '--kms-share must be a number' })
      .gt(0, '--kms-share must be above 0')
      .max(1, '--kms-share must be at most 1 (the whole quota)')
      .optional(),
    allVersions: z.boolean().default(false),
    copyLocked: z.boolean().default(false),
    requesterPays: z.boolean().default(false),
    expectedBucketOwner: z
      .string()
      .regex(/^\d{12}$/, '--expected-bucket-owner must be a 12-digit AWS account ID')
      .optional(),
    reportBucketOwner: z
      .string()
      .regex(/^\d{12}$/, '--report-bucket-owner must be a 12-digit AWS account ID')
      .optional(),
    setDefaultEncryption: z.boolean().default(false),
    reportUri: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/,
        '--report-uri must be s3://BUCKET/ or s3://BUCKET/PREFIX/',
      )
      .transform((uri) => {
        const [bucket, ...rest] = uri.slice('s3://'.length).split('/');
        const prefix = rest.join('/');
        return { bucket, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
      })
      .optional(),
    engine: z.enum(['auto', 'copy'], { error: '--engine must be auto or copy' }).default('auto'),
    inventory: z
      .string()
      .regex(
        /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\.json$/,
        "--inventory must be the s3:// address of an S3 Inventory report's manifest.json",
      )
      .optional(),
    tagKey: markerTagKey,
    tagValue: markerTagValue,
  })
  .refine((f) => markerHeaderBytes(f.tagKey, f.tagValue) <= MARKER_HEADER_BYTES, {
    message:
      `--tag-key and --tag-value together, as a copy sends them (percent-encoded in its x-amz-tagging ` +
      `header), must be at most ${MARKER_HEADER_BYTES} bytes: S3 takes 8 KiB of request headers in all, ` +
      `shared with the object's own tags and metadata`,
  });

export type StartFlags = z.input<typeof startSchema>;

const budgetFlags = z
  .object({
    maxKmsRps: startSchema.shape.maxKmsRps,
    kmsQuotaRps: startSchema.shape.kmsQuotaRps,
    kmsShare: startSchema.shape.kmsShare,
  })
  .refine((f) => f.maxKmsRps === undefined || (f.kmsQuotaRps === undefined && f.kmsShare === undefined), {
    message: 'give either --max-kms-rps or --kms-quota-rps/--kms-share, not both',
  });

/** The KMS budget in requests per second, from --max-kms-rps or --kms-quota-rps × --kms-share. */
export function budgetFrom(flags: z.input<typeof budgetFlags>): number {
  const parsed = budgetFlags.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  return kmsBudgetRps(parsed.data);
}

export function migrationOptionsFrom(flags: StartFlags): MigrationOptions {
  const parsed = startSchema.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const o = parsed.data;
  return {
    bucket: o.bucket,
    prefix: o.prefix,
    kmsKeyId: o.kmsKey,
    bucketKeyEnabled: o.bucketKey,
    multipartThresholdBytes: o.multipartThreshold,
    partSizeBytes: o.partSize,
    pageSize: o.pageSize,
    pagesInFlight: o.pagesInFlight,
    pagesPerRun: o.pagesPerRun,
    maxFailureRate: o.maxFailureRate,
    kmsBudgetRps: budgetFrom(o),
    tagKey: o.tagKey,
    tagValue: o.tagValue,
    engine: o.engine,
    allVersions: o.allVersions,
    copyLocked: o.copyLocked || undefined,
    requesterPays: o.requesterPays || undefined,
    expectedBucketOwner: o.expectedBucketOwner,
    reportBucketOwner: o.reportBucketOwner,
    setDefaultEncryption: o.setDefaultEncryption || undefined,
    reportUri: o.reportUri,
    inventory: o.inventory,
  };
}
