import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes a migration carries, so that the Web UI (and `status`) find it by bucket, prefix,
 * key and state. They must be registered in the namespace first: the local stack does it; on a cluster,
 * `temporal operator search-attribute create` (README). Without them a migration runs the same, unlabelled.
 */
export const MIGRATION_BUCKET = defineSearchAttributeKey('MigrationBucket', SearchAttributeType.KEYWORD);
export const MIGRATION_PREFIX = defineSearchAttributeKey('MigrationPrefix', SearchAttributeType.KEYWORD);
export const MIGRATION_KMS_KEY = defineSearchAttributeKey('MigrationKmsKey', SearchAttributeType.KEYWORD);
export const MIGRATION_STATE = defineSearchAttributeKey('MigrationState', SearchAttributeType.KEYWORD);

export const MIGRATION_SEARCH_ATTRIBUTES = [
  MIGRATION_BUCKET,
  MIGRATION_PREFIX,
  MIGRATION_KMS_KEY,
  MIGRATION_STATE,
] as const;

export type MigrationState = 'preflight' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
