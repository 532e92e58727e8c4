// The workflows' inputs and the state a coordinator carries into continue-as-new.

import type { CopyInput, Cursor, ListedObject, PreflightResult } from '../common/contract';
import type {
  BucketAccess,
  Counts,
  DefaultEncryptionChange,
  MigrationOptions,
  ObjectIssue,
  ReportLocation,
} from '../common/types';

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
  /** Re-encrypt in place where S3 allows it (else copy). */
  update: boolean;
  /** Batches per kind the page may keep scheduled at once (workflows/kms-lanes.ts); the coordinator signals changes. */
  kmsLanes: number;
  /** The KMS budget the coordinator last heard of: the page forms its first batches to its weight. */
  kmsBudgetRps: number;
  /** The coordinator's workflow ID: the page reports failures and its result there by signal. */
  reportTo: string;
  /** How many times the migration had been resumed when the page started (see PageFailureReport.resumes). */
  resumes: number;
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

export interface CoordinatorInput {
  options: MigrationOptions;
  /** Present when continuing as new. */
  state?: CoordinatorState;
  /**
   * Present when continuing as new: pause, resumes, budget and the stop-early rule (workflows/coordinator/control.ts).
   */
  control?: ControlState;
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

/** What a page in flight holds: to report its objects if it closes without a result. */
export interface PageHeld {
  objects: number;
  firstKey: string;
  /**
   * The KMS-queue batches the page was last given (at its start or by signal), carried across continue-as-new
   * so that a later run tells it of the next change. Absent in state carried from 1.0.0: such a page is told
   * from the change after the first one its new run sees.
   */
  kmsLanes?: number;
}

export interface ControlState {
  /** Why the migration is paused (pause, or the stop-early rule); absent while it runs. */
  pausedBecause?: string;
  /** The namespace's KMS budget as the latest start or set-rate told it (for status and the Web UI). */
  kmsBudgetRps: number;
  /** How many times the migration was resumed: pages label their failure reports with it. */
  resumes: number;
  /** The stop-early rule's view across pages (workflows/failure-rate.ts), so its window spans runs. */
  failureRate: FailureRateState;
  /** The stop-early rule's view of each running page's own attempts. */
  pageFailureRates: Record<string, FailureRateState>;
}

/** A migration's progress once preflight is done, carried across continue-as-new. */
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
  /** Pages still running, in the order they started: they report to whichever run is current. */
  pagesInFlight: Record<string, PageHeld>;
}
