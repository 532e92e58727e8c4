import { defineQuery } from '@temporalio/workflow';
import type { MigrationProgress } from '../common/types';

/** Counts and position of a migration, answerable at any time. */
export const progressQuery = defineQuery<MigrationProgress>('progress');
