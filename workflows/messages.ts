import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Counts, MigrationProgress } from '../common/types';
import type { PageResult } from './types';

/** Counts and position of a migration, answerable at any time. */
export const progressQuery = defineQuery<MigrationProgress>('progress');

/** Counts of one page workflow so far: the client adds in-flight pages to the coordinator's counts. */
export const pageProgressQuery = defineQuery<Counts>('pageProgress');

/** Finish what is in flight, start nothing new. The argument says why (shown in the client and the Web UI). */
export const pauseSignal = defineSignal<[reason?: string]>('pause');
/** From the coordinator to its pages, with how many times the migration has been resumed so far. */
export const resumeSignal = defineSignal<[resumes?: number]>('resume');

/** From the coordinator to a page: batches per kind it may keep scheduled (workflows/kms-lanes.ts). */
export const kmsLanesSignal = defineSignal<[lanes: number]>('kmsLanes');

/** The namespace's KMS budget changed (the client already wrote it to the KMS queue): record it, to show it. */
export const kmsBudgetSignal = defineSignal<[rps: number]>('kmsBudget');

/** Attempts of one page since its last report, sent when one of them failed: the coordinator's stop-early rule. */
export interface PageFailureReport {
  pageId: string;
  attempts: number;
  failures: number;
  lastError: { code: string; message: string };
  /** The page is about to finish with failures: answer with failuresSeenSignal. */
  answer?: boolean;
  /**
   * How many resumes the page had heard of when these attempts were made. A report from before the latest
   * resume (sent before the page heard of it) is stale: the resume restarted the rule's window.
   */
  resumes: number;
}
export const pageFailuresSignal = defineSignal<[report: PageFailureReport]>('pageFailures');

/** The coordinator's answer to a report that asked for one: whether the migration is paused now. */
export const failuresSeenSignal = defineSignal<[paused: boolean]>('failuresSeen');

/** A page's result, sent to its coordinator (whichever run is current) as the page's last act. */
export interface PageDone {
  pageId: string;
  result: PageResult;
  /** Attempts since the page's last failure report (all successes): for the stop-early rule's window. */
  unreportedAttempts: number;
}
export const pageDoneSignal = defineSignal<[done: PageDone]>('pageDone');
