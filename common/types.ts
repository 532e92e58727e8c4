// The migration's shared contract: options, counts, progress and summary, IDs, task queues.
// Workflow code imports it: constants and types only, no side effects.
import type { Cursor } from './contract';
import { MAX_SINGLE_COPY_BYTES, MIB } from './s3-limits';

export const TASK_QUEUE = 's3-kms-migrator';

/** Activities that make S3 call KMS (updates, copies) run on a queue of their own so it can be rate-limited. */
export const KMS_TASK_QUEUE = 's3-kms-migrator-kms';

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
  /**
   * KMS requests per second the operator gave at the start. The budget in force is the namespace's one budget,
   * which the latest start or set-rate sets for every running migration (docs/kms-budget.md).
   */
  kmsBudgetRps: number;
  /**
   * 'auto': UpdateObjectEncryption where S3 offers it (probed once at preflight), copying what it refuses;
   * 'copy': copy every object (as S3 did before UpdateObjectEncryption existed).
   */
  engine: Engine;
  /** Versioned buckets: re-encrypt the noncurrent versions too (in place, by version ID). */
  allVersions?: boolean;
  /**
   * Copy objects under Object Lock (retention or legal hold), which S3 refuses to update: the copy keeps the
   * lock, so the data is stored twice until it ends. Without it they are skipped (`object-lock`).
   */
  copyLocked?: boolean;
  /** Before listing, make the key the bucket's default encryption, so nothing new arrives under another. */
  setDefaultEncryption?: boolean;
  /** The namespace has the migration's search attributes (common/search-attributes.ts): keep them current. */
  searchAttributes?: boolean;
  /** --report-uri: where every skipped or failed object is written as CSV, page by page, with a manifest. */
  reportUri?: { bucket: string; prefix: string };
  /** The account that must own the bucket; by default the worker's own (preflight asks STS). */
  expectedBucketOwner?: string;
  /** The account that must own the report bucket; by default the bucket's. */
  reportBucketOwner?: string;
  /** The bucket is Requester Pays: every request says the requester pays (RequestPayer). */
  requesterPays?: boolean;
  /** --inventory: the s3:// address of an S3 Inventory report's manifest.json, read instead of listing the bucket. */
  inventory?: string;
  /**
   * A migration of this bucket and prefix ran after the --inventory was taken: its rows may not show what that
   * run changed, so every object is HEADed first, as a listed one is (none is updated from its row alone).
   */
  headEveryRow?: boolean;
}

/**
 * Sent on every request to the migrated bucket and the report bucket (activities/bucket-access.ts): the
 * account that must own each (ExpectedBucketOwner), and whether the bucket is Requester Pays.
 */
export interface BucketAccess {
  bucket: string;
  owner?: string;
  requesterPays?: boolean;
  reportBucket?: string;
  reportOwner?: string;
}

/** Where one migration's report files go: under the operator's location, one folder per migration run. */
export interface ReportLocation {
  bucket: string;
  /** The account that must own it: `migrate report` reads it expecting that owner too. */
  owner?: string;
  /** Ends with '/': `<prefix><bucket>/<migrated prefix>/<start time>/`. */
  keyPrefix: string;
}

export type Engine = 'auto' | 'copy';

/** Why an object was left as it was (docs/reference.md, "What happens to each object"). */
export const SKIP_REASONS = [
  'sse-c',
  'archived',
  'vanished',
  'dsse-kms',
  'noncurrent-not-updatable',
  'null-version-kept',
  'annotated-over-5gib',
  'object-lock',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

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
  /**
   * Of the migrated and already-done objects, those under the key without the marker: they have 10 tags
   * already, S3's limit, and their tags are left as they are.
   */
  unmarked: number;
  skipped: Record<SkipReason, number>;
  failed: number;
  /** Objects overwritten while being migrated, inspected and decided again. */
  rechecked: number;
  /** Noncurrent versions and delete markers, left as they are. */
  olderVersions: number;
  bytesMigrated: number;
  /** KMS requests its KMS-queue tasks paid for, as the model counts them (common/kms-budget.ts). */
  kmsRequests: number;
  /** Updates S3 refused, by its error code (those objects were copied instead, or skipped or failed as that went). */
  refused: Record<string, number>;
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
  /**
   * The KMS budget in force (requests per second): the namespace's one budget, which every running migration
   * shares. The client's status reads it from the KMS queue itself; the workflow's own copy is what the latest
   * start or set-rate told it.
   */
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

export function emptyCounts(): Counts {
  return {
    scanned: 0,
    migrated: 0,
    updated: 0,
    alreadyDone: 0,
    unmarked: 0,
    skipped: Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>,
    failed: 0,
    rechecked: 0,
    olderVersions: 0,
    bytesMigrated: 0,
    kmsRequests: 0,
    refused: {},
  };
}

export function addCounts(into: Counts, from: Counts): void {
  into.scanned += from.scanned;
  into.migrated += from.migrated;
  into.updated += from.updated;
  into.alreadyDone += from.alreadyDone;
  into.unmarked += from.unmarked ?? 0;
  into.failed += from.failed;
  into.rechecked += from.rechecked;
  into.olderVersions += from.olderVersions;
  into.bytesMigrated += from.bytesMigrated;
  into.kmsRequests += from.kmsRequests;
  for (const [code, n] of Object.entries(from.refused)) into.refused[code] = (into.refused[code] ?? 0) + n;
  for (const reason of SKIP_REASONS) into.skipped[reason] += from.skipped[reason];
}

export function totalSkipped(counts: Counts): number {
  return SKIP_REASONS.reduce((sum, reason) => sum + (counts.skipped[reason] ?? 0), 0);
}

/** Objects whose outcome is known: migrated, already done, skipped or failed. */
export function settledCount(counts: Counts): number {
  return counts.migrated + counts.alreadyDone + totalSkipped(counts) + counts.failed;
}

/**
 * A page's workflow ID: the migration's, the ID of the first run of its chain of runs (continue-as-new keeps
 * it; a new start after a termination gets another, so its pages never meet pages left running by the old
 * one), and the page number. An unguessable run ID between them keeps another migration's ID (a prefix that
 * ends in "#page-1") from ever naming one of these pages.
 */
export function pageWorkflowId(migrationId: string, chainId: string, page: number): string {
  return `${migrationId}#${chainId}#page-${page}`;
}

const CHAIN_PAGE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})#page-\d+$/;

/** The chain ID of a page of this migration (pageWorkflowId), or undefined for any other workflow ID. */
export function isChainPageOf(pageId: string, migrationId: string): string | undefined {
  if (!pageId.startsWith(`${migrationId}#`)) return undefined;
  return CHAIN_PAGE.exec(pageId.slice(migrationId.length + 1))?.[1];
}

/** The page number in a page's workflow ID (pageWorkflowId). */
export function pageNumberOf(pageId: string): number {
  return Number(pageId.slice(pageId.lastIndexOf('#page-') + '#page-'.length));
}
