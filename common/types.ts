// Types and constants shared by workflows, activities, workers and the client.
// Imports only types (erased from the bundle): workflow bundles must stay deterministic and side-effect free.
import type { ChecksumAlgorithm, ChecksumType } from '@aws-sdk/client-s3';

export const TASK_QUEUE = 's3-kms-migrator';
/** Activities that make S3 call KMS (updates, copies) run on a queue of their own so it can be rate-limited. */
export const KMS_TASK_QUEUE = 's3-kms-migrator-kms';

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
/** S3's limit for a single CopyObject, and the default multipart threshold. */
export const MAX_SINGLE_COPY_BYTES = 5 * GIB;
export const MIN_PART_BYTES = 5 * MIB;
export const MAX_PART_BYTES = 5 * GIB;
export const MAX_PARTS = 10_000;
export const MAX_TAGS_PER_OBJECT = 10;
export const MAX_LIST_KEYS = 1000;

export const DEFAULTS = {
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  multipartThresholdBytes: MAX_SINGLE_COPY_BYTES,
  partSizeBytes: 512 * MIB,
  pageSize: 500,
  pagesInFlight: 4,
  pagesPerRun: 25,
  maxIssuesKept: 1000,
  maxFailureRate: 0.5,
} as const;

export interface MigrationOptions {
  bucket: string;
  prefix: string;
  /** As the operator gave it: alias, key ID or ARN. Preflight resolves it to an ARN. */
  kmsKeyId: string;
  bucketKeyEnabled: boolean;
  multipartThresholdBytes: number;
  partSizeBytes: number;
  tagKey: string;
  tagValue: string;
  /** Objects per page workflow (at most 1000, S3's listing page). */
  pageSize: number;
  /** Page workflows running at once. */
  pagesInFlight: number;
  /** Pages a coordinator run starts before it continues as new. */
  pagesPerRun: number;
  /** Pause when this share of the first 100 attempts, or of any 1,000, failed (1 = never). */
  maxFailureRate: number;
  /** KMS requests per second the operator allowed at the start (set-rate changes it later). */
  kmsBudgetRps: number;
  /**
   * 'auto': UpdateObjectEncryption where S3 offers it (probed once at preflight), copying what it refuses;
   * 'copy': copy every object, as before the operation existed. Absent in migrations started before it.
   */
  engine?: Engine;
  /** Versioned buckets: re-encrypt the noncurrent versions too (in place, by version ID). */
  allVersions?: boolean;
  /** Before listing, make the key the bucket's default encryption, so nothing new arrives under another. */
  setDefaultEncryption?: boolean;
  /** The namespace has the migration's search attributes (common/search-attributes.ts): keep them current. */
  searchAttributes?: boolean;
  /** --report-uri: where every skipped or failed object is written as CSV, page by page, with a manifest. */
  reportUri?: { bucket: string; prefix: string };
}

/** Where one migration's report files go: under the operator's location, one folder per migration run. */
export interface ReportLocation {
  bucket: string;
  /** Ends with '/': `<prefix><bucket>/<migrated prefix>/<start time>/`. */
  keyPrefix: string;
}

export type Engine = 'auto' | 'copy';

export interface PreflightResult {
  keyArn: string;
  region: string;
  versioning: 'Enabled' | 'Suspended' | 'Disabled';
  /** Whether objects are re-encrypted in place (UpdateObjectEncryption) or copied; absent means copied. */
  update?: UpdateAvailability;
  /**
   * Whether object ACLs are in force (Object Ownership other than BucketOwnerEnforced), so that a copy must
   * carry each object's grants; absent (migrations started before this was read) means no.
   */
  acls?: boolean;
}

export type UpdateAvailability = { available: true } | { available: false; reason: string };

/** Listing position: everything up to and including this key (and version) has been handed out. */
export interface Cursor {
  key?: string;
  versionId?: string;
}

export interface ListedObject {
  key: string;
  /** Set for a noncurrent version (listed with --all-versions); a current object is addressed by its key. */
  versionId?: string;
  size: number;
  etag: string;
  storageClass?: string;
  /**
   * From the listing, where it costs nothing: a HEAD that asks for checksums (ChecksumMode) of an object under
   * KMS makes S3 call kms:Decrypt, a KMS request outside the budget.
   */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** FULL_OBJECT or COMPOSITE (a checksum of the parts' checksums), also from the listing. */
  checksumType?: ChecksumType;
}

export interface ListPageInput {
  bucket: string;
  prefix: string;
  versioned: boolean;
  /** List noncurrent versions as objects to migrate too (otherwise they are only counted). */
  allVersions?: boolean;
  after: Cursor;
  maxKeys: number;
}

export interface ListPageResult {
  objects: ListedObject[];
  /** Delete markers, and noncurrent versions unless listed as objects, seen on this page (left untouched). */
  olderVersions: number;
  next: Cursor;
  done: boolean;
}

export interface ObjectHeaders {
  ContentType?: string;
  CacheControl?: string;
  ContentDisposition?: string;
  ContentEncoding?: string;
  ContentLanguage?: string;
  /** RFC 1123 date string as S3 returned it. */
  Expires?: string;
  WebsiteRedirectLocation?: string;
  Metadata?: Record<string, string>;
}

/** Every algorithm the SDK lists (CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH3/64/128). */
export type { ChecksumAlgorithm, ChecksumType };

export type ObjectSnapshot =
  | { exists: false; key: string }
  | {
      exists: true;
      key: string;
      versionId?: string;
      size: number;
      etag: string;
      storageClass: string;
      /** x-amz-server-side-encryption: AES256, aws:kms, aws:kms:dsse, or absent. */
      sse?: string;
      kmsKeyArn?: string;
      /** The object was encrypted with an S3 Bucket Key: reading it costs about no KMS requests. */
      bucketKeyEnabled?: boolean;
      sseCustomerAlgorithm?: string;
      /** GLACIER / DEEP_ARCHIVE not restored, or an Intelligent-Tiering archive tier. */
      archived: boolean;
      /** x-amz-tagging-count; undefined when the endpoint does not say (then the tags are read). */
      tagCount?: number;
      checksumAlgorithm?: ChecksumAlgorithm;
      checksumType?: ChecksumType;
      headers: ObjectHeaders;
      /** Object Lock on this version (HEAD shows it to a caller with s3:GetObjectRetention / GetObjectLegalHold). */
      lock?: ObjectLock;
      /** Known to carry annotations (a multipart copy found some): only one CopyObject keeps them. */
      annotated?: boolean;
    };

export interface ObjectLock {
  mode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** ISO 8601. */
  retainUntil?: string;
  legalHold?: 'ON' | 'OFF';
}

export type SkipReason =
  | 'sse-c'
  | 'archived'
  | 'vanished'
  | 'too-many-tags'
  | 'dsse-kms'
  | 'noncurrent-not-updatable'
  | 'null-version-kept'
  | 'annotated-over-5gib';
export const SKIP_REASONS: readonly SkipReason[] = [
  'sse-c',
  'archived',
  'vanished',
  'too-many-tags',
  'dsse-kms',
  'noncurrent-not-updatable',
  'null-version-kept',
  'annotated-over-5gib',
];

export type Decision =
  | { action: 'skip'; reason: SkipReason; message: string }
  | { action: 'ensure-tag' }
  | { action: 'update' }
  | { action: 'copy'; multipart: boolean };

/** One object of an updateObjects batch: re-encrypt it in place (update) or only make sure of the marker tag. */
export interface BatchItem {
  key: string;
  versionId?: string;
  tagCount?: number;
  update: boolean;
  /** The ETag HEAD saw: where there is no version to tag, the marker stands only if the object still has it. */
  etag?: string;
}

export interface UpdateObjectsInput {
  bucket: string;
  keyArn: string;
  bucketKeyEnabled: boolean;
  tagKey: string;
  tagValue: string;
  items: BatchItem[];
  /** Shown in the activity's summary: which page and key range the batch holds. */
  label?: string;
}

/**
 * What became of one object of a batch. 'refused': S3 would not update it (an InvalidRequest or AccessDenied
 * the operation documents): the page copies it instead. 'failed': a permanent error for that object.
 */
export type BatchOutcome =
  | { status: 'updated' | 'tagged' | 'already-tagged' | 'vanished' | 'changed' }
  | { status: 'too-many-tags'; tagCount: number }
  | { status: 'refused'; code: string; message: string }
  | FailedOutcome;

/** A permanent error of one object of a batch, with the S3 error code. */
export interface FailedOutcome {
  status: 'failed';
  code: string;
  message: string;
}

export interface CopyInput {
  bucket: string;
  keyArn: string;
  bucketKeyEnabled: boolean;
  partSizeBytes: number;
  tagKey: string;
  tagValue: string;
  source: Extract<ObjectSnapshot, { exists: true }>;
  /** Give the copy the grants of the object it replaces (ACLs in force in the bucket). */
  carryAcl?: boolean;
  /** The bucket's versioning is suspended: a copy writes the key's `null` version, replacing any older one. */
  versioningSuspended?: boolean;
}

export type CopyResult =
  | { status: 'copied'; versionId?: string; bytes: number }
  | { status: 'changed' }
  | { status: 'vanished' }
  | { status: 'too-many-tags'; tagCount: number }
  | NullVersionKept
  | Annotated;

/** Not copied: in a version-suspended bucket the copy would replace the key's older `null` version. */
export type NullVersionKept = { status: 'null-version-kept' };

/** Not copied in parts: the object has annotations, which UploadPartCopy does not carry. */
export type Annotated = { status: 'annotated' };

/** Single copies in one activity (objects up to the multipart threshold), each with its outcome. */
export interface CopyObjectsInput {
  copies: CopyInput[];
}

export type StartUploadResult =
  | { status: 'started'; uploadId: string }
  | { status: 'vanished' }
  | { status: 'too-many-tags'; tagCount: number }
  | NullVersionKept
  | Annotated;

export interface UploadRef {
  bucket: string;
  key: string;
  uploadId: string;
}

export interface PartCopyInput extends UploadRef {
  /** The source ETag HEAD saw: every part is copied from those bytes or not at all. */
  etag: string;
  partNumber: number;
  /** bytes=first-last, inclusive. */
  range: string;
}

/** "upload-gone": aborted elsewhere (or completed by an attempt whose answer was lost). */
export type PartCopyResult = 'copied' | 'changed' | 'vanished' | 'upload-gone';

/** A multipart copy in progress, carried across continue-as-new. */
export interface CopyInPartsInput {
  copy: CopyInput;
  uploadId?: string;
  /** First part not yet copied. */
  nextPart?: number;
  /** KMS requests one KMS-queue task stands for; absent means 1. */
  kmsWeight?: number;
}

export interface EnsureTagInput {
  bucket: string;
  key: string;
  versionId?: string;
  tagKey: string;
  tagValue: string;
  /**
   * Where there is no version to tag (unversioned buckets): the object HEAD saw, which must still be there,
   * under the key, after the tagging; otherwise the result is 'changed'. Absent in older runs (replay).
   */
  expect?: { etag: string; keyArn: string };
}

export type EnsureTagResult =
  | { status: 'already-tagged' | 'tagged' | 'vanished' | 'changed' }
  | { status: 'too-many-tags'; tagCount: number };

export interface ObjectIssue {
  key: string;
  versionId?: string;
  status: 'skipped' | 'failed';
  /** Skip reason or S3 error code. */
  code: string;
  message: string;
}

export interface Counts {
  /** Current objects listed (counted by the coordinator as it lists). */
  scanned: number;
  /** Re-encrypted under the key by this migration: updated in place or copied. */
  migrated: number;
  /** Of those, re-encrypted in place by UpdateObjectEncryption (no data moved). */
  updated: number;
  /** Already under the key (tag added where missing). */
  alreadyDone: number;
  skipped: Record<SkipReason, number>;
  failed: number;
  /** Objects overwritten while being migrated, inspected and decided again. */
  rechecked: number;
  /** Noncurrent versions and delete markers, left as they are. */
  olderVersions: number;
  bytesMigrated: number;
}

export interface PageInput {
  options: MigrationOptions;
  keyArn: string;
  objects: ListedObject[];
  /** Re-encrypt in place where S3 allows it; absent (pages started before the update engine) means copy. */
  update?: boolean;
  /** KMS requests each task of the KMS queue stands for (set-rate sends a new one); absent means 1. */
  kmsWeight?: number;
  /**
   * The coordinator's workflow ID: the page reports failures and its result there by signal and leaves the
   * stop-early rule to it. Absent (pages started before the coordinator owned control): the page keeps a
   * rule of its own and returns its result only.
   */
  reportTo?: string;
  /** How many times the migration had been resumed when the page started (see PageFailureReport.resumes). */
  resumes?: number;
  /** ACLs are in force in the bucket: copies carry each object's grants (see PreflightResult.acls). */
  carryAcls?: boolean;
  /** The bucket's versioning is suspended (see CopyInput.versioningSuspended). */
  versioningSuspended?: boolean;
  /** Write every skipped or failed object here (--report-uri). */
  report?: ReportLocation;
  /** The page's number, naming its report files. */
  page?: number;
}

export interface PageResult {
  counts: Counts;
  issues: ObjectIssue[];
}

export type MigrationPhase = 'preflight' | 'running' | 'paused' | 'completed';

export interface MigrationProgress {
  phase: MigrationPhase;
  bucket: string;
  prefix: string;
  keyArn?: string;
  counts: Counts;
  pagesStarted: number;
  pagesDone: number;
  pagesInFlight: number;
  /** Workflow IDs of the pages running now; their counts are not in `counts` until they finish. */
  inFlightPageIds: string[];
  /** Continue-as-new count so far. */
  runs: number;
  cursor: Cursor;
  listingDone: boolean;
  /** Epoch ms, from workflow time. */
  startedAt: number;
  /** Most recent skips and failures, bounded. */
  issues: ObjectIssue[];
  issuesDropped: number;
  /** Why the migration is paused, when it is. */
  pausedBecause?: string;
  /** The KMS budget in force (requests per second). */
  kmsBudgetRps: number;
  /** 'update' (in place, copying only what S3 refuses) or 'copy', and why when it had to copy. */
  engine?: string;
  /** What --set-default-encryption did before the listing started. */
  defaultEncryptionSet?: DefaultEncryptionChange;
  /** Where the full report is (--report-uri): `migrate report` reads it. */
  report?: ReportLocation;
}

/** Whether the bucket policy denies uploads under other keys (read at the end of a migration). */
export interface PolicyCheck {
  /** Undefined when it could not be read. */
  inPlace?: boolean;
  detail: string;
}

/** What --set-default-encryption found and did, before the listing started. */
export interface DefaultEncryptionChange {
  /** The setting it found, as an operator reads it. */
  before: string;
  /** False when the key already was the default (with the Bucket Key setting asked for): nothing was written. */
  changed: boolean;
  /** The configuration it replaced, as GetBucketEncryption returned it (JSON), to restore it; absent: none. */
  previous?: string;
}

/** The bucket's default encryption, read when the migration finished: are new uploads under the key too? */
export interface DefaultEncryption {
  /** Undefined when it could not be read or told. */
  underKey?: boolean;
  /** As an operator reads it: "SSE-S3 (AES256)", "SSE-KMS under the key, Bucket Key on", "unknown: …". */
  setting: string;
}

export interface MigrationSummary extends MigrationProgress {
  finishedAt: number;
  /** Absent in summaries of migrations that finished before it was read. */
  defaultEncryption?: DefaultEncryption;
  /** Absent in summaries of migrations that finished before it was read. */
  policy?: PolicyCheck;
}

export interface CoordinatorInput {
  options: MigrationOptions;
  /** Present when continuing as new. */
  state?: CoordinatorState;
}

/** What the rule has seen: plain data, so the coordinator can carry it across continue-as-new. */
export interface FailureRateState {
  attempts: number;
  /** The first attempts, counted in whole records: a record's outcomes are not ordered within it. */
  firstCounted: number;
  failuresInFirst: number;
  /** Recent outcomes as [attempts, failures] chunks, covering at least the last `window` attempts. */
  recent: [number, number][];
  recentAttempts: number;
  recentFailures: number;
}

export interface CoordinatorState {
  preflight: PreflightResult;
  /** What --set-default-encryption did, before the listing started. */
  defaultEncryptionSet?: DefaultEncryptionChange;
  /** Where the full report goes (--report-uri). */
  report?: ReportLocation;
  counts: Counts;
  cursor: Cursor;
  listingDone: boolean;
  pagesStarted: number;
  pagesDone: number;
  runs: number;
  startedAt: number;
  issues: ObjectIssue[];
  issuesDropped: number;
  /** Carried across continue-as-new: set by pause and set-rate. */
  pausedBecause?: string;
  /** The stop-early rule's view across pages (workflows/failure-rate.ts), so its window spans runs. */
  failureRate?: FailureRateState;
  kmsBudgetRps?: number;
  /** When the KMS queue's current warm-up ends (workflows/kms-queue-pace.ts); none when it runs steady. */
  kmsSteadyDue?: number;
  /** The stop-early rule's view of each running page's own attempts (pages that report to the coordinator). */
  pageFailureRates?: Record<string, FailureRateState>;
  /** Pages still running, handed from one coordinator run to the next: they report to whichever is current. */
  inFlightPages?: string[];
  /** How many times the migration was resumed: pages label their failure reports with it. */
  resumes?: number;
}

export function emptyCounts(): Counts {
  return {
    scanned: 0,
    migrated: 0,
    updated: 0,
    alreadyDone: 0,
    skipped: { 'sse-c': 0, archived: 0, vanished: 0, 'too-many-tags': 0, 'dsse-kms': 0, 'noncurrent-not-updatable': 0, 'null-version-kept': 0,
      'annotated-over-5gib': 0 },
    failed: 0,
    rechecked: 0,
    olderVersions: 0,
    bytesMigrated: 0,
  };
}

export function addCounts(into: Counts, from: Counts): void {
  into.scanned += from.scanned;
  into.migrated += from.migrated;
  into.updated += from.updated ?? 0; // absent in counts from before the update engine
  into.alreadyDone += from.alreadyDone;
  into.failed += from.failed;
  into.rechecked += from.rechecked;
  into.olderVersions += from.olderVersions;
  into.bytesMigrated += from.bytesMigrated;
  // Counts carried from before a reason existed lack it.
  for (const reason of SKIP_REASONS) into.skipped[reason] = (into.skipped[reason] ?? 0) + (from.skipped[reason] ?? 0);
}

export function totalSkipped(counts: Counts): number {
  return SKIP_REASONS.reduce((sum, reason) => sum + (counts.skipped[reason] ?? 0), 0);
}

/** Objects whose outcome is known: migrated, already done, skipped or failed. */
export function settledCount(counts: Counts): number {
  return counts.migrated + counts.alreadyDone + totalSkipped(counts) + counts.failed;
}

/** Deterministic ID: one migration per bucket and prefix at a time. */
export function migrationWorkflowId(bucket: string, prefix: string): string {
  return `s3-kms-migrate/${bucket}/${prefix}`;
}

export function pageWorkflowId(migrationId: string, page: number): string {
  return `${migrationId}#page-${page}`;
}
