// The workflows' inputs and the state a coordinator carries into continue-as-new.

import type { CopyInput, Cursor, ListedObject, PreflightResult } from '../common/contract';
import type { BucketAccess, Counts, DefaultEncryptionChange, MigrationOptions, ObjectIssue, ReportLocation } from '../common/types';

/** A multipart copy in progress, carried across continue-as-new. */
export interface CopyInPartsInput {
  copy: CopyInput;
  uploadId?: string;
  /** First part not yet copied. */
  nextPart?: number;
  /** The upload was started without the marker: the object has this many tags already. */
  unmarked?: number;
  /** The page was paused when this run continued as new. */
  paused?: boolean;
  access?: BucketAccess;
}

export interface PageInput {
  options: MigrationOptions;
  keyArn: string;
  /** Sent with every request to the bucket (and the report bucket): its owner, Requester Pays. */
  access?: BucketAccess;
  objects: ListedObject[];
  /** Re-encrypt in place where S3 allows it; absent (pages started before the update engine) means copy. */
  update?: boolean;
  /** Batches per kind the page may keep scheduled at once (workflows/kms-lanes.ts); the coordinator signals changes. */
  kmsLanes: number;
  /** The KMS budget the coordinator last heard of: the page forms its first batches to its weight. */
  kmsBudgetRps: number;
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
  /**
   * The page code's revision its coordinator started it for. From 1 on, every patch of migrate-page.ts and
   * page-reporter.ts (up to the one that introduced the revision) is in force without asking patched(): a patch
   * marker costs two history events (the marker and a search-attribute upsert), ten per page. Absent in pages
   * started before: they ask, as they did.
   */
  revision?: number;
}

export interface PageResult {
  counts: Counts;
  issues: ObjectIssue[];
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
  /** The namespace's KMS budget as the latest start or set-rate told it (for status and the Web UI). */
  kmsBudgetRps?: number;
  /** The stop-early rule's view of each running page's own attempts (pages that report to the coordinator). */
  pageFailureRates?: Record<string, FailureRateState>;
  /** Pages still running, handed from one coordinator run to the next: they report to whichever is current. */
  inFlightPages?: string[];
  /** What each page in flight holds, to report its objects if it closes without a result. */
  pageObjects?: Record<string, { objects: number; firstKey: string }>;
  /** How many times the migration was resumed: pages label their failure reports with it. */
  resumes?: number;
}
