import { defineQuery } from '@temporalio/workflow';
import type { Counts, MigrationProgress } from '../common/types';

/** Counts and position of a migration, answerable at any time. */
export const progressQuery = defineQuery<MigrationProgress>('progress');

/** Counts of one page workflow so far: the client adds in-flight pages to the coordinator's counts. */
export const pageProgressQuery = defineQuery<Counts>('pageProgress');
