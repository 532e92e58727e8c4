import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Counts, MigrationProgress } from '../common/types';

/** Counts and position of a migration, answerable at any time. */
export const progressQuery = defineQuery<MigrationProgress>('progress');

/** Counts of one page workflow so far: the client adds in-flight pages to the coordinator's counts. */
export const pageProgressQuery = defineQuery<Counts>('pageProgress');

/** Finish what is in flight, start nothing new. The argument says why (shown in the client and the Web UI). */
export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal('resume');

/** The operator changed the KMS budget (the client already changed the task queue's rate): record it. */
export const kmsBudgetSignal = defineSignal<[rps: number]>('kmsBudget');
