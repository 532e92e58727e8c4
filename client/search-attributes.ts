import type { SearchAttributePair } from '@temporalio/common';
import type { Connected } from './connect';
import {
  MIGRATION_BUCKET,
  MIGRATION_KMS_KEY,
  MIGRATION_PREFIX,
  MIGRATION_SEARCH_ATTRIBUTES,
  MIGRATION_STATE,
} from '../common/search-attributes';
import type { MigrationOptions } from '../common/types';

/** The migration's search attributes the namespace lacks (all of them when it cannot be asked). */
export async function missingSearchAttributes(connected: Connected): Promise<string[]> {
  const names = MIGRATION_SEARCH_ATTRIBUTES.map((key) => key.name);
  try {
    const listed = await connected.client.connection.operatorService.listSearchAttributes({
      namespace: connected.namespace,
    });
    return names.filter((name) => !(name in (listed.customAttributes ?? {})));
  } catch {
    return names;
  }
}

export function registrationHint(missing: string[]): string {
  const commands = missing
    .map((name) => `temporal operator search-attribute create --name ${name} --type Keyword`)
    .join('; ');
  return (
    `search attributes ${missing.join(', ')} are not registered in this namespace, so the Web UI cannot find ` +
    `migrations by bucket (${commands})`
  );
}

/** What a new migration starts with; state and key ARN are upserted by the workflow as they become known. */
export function initialSearchAttributes(options: MigrationOptions): SearchAttributePair[] {
  return [
    { key: MIGRATION_BUCKET, value: options.bucket },
    { key: MIGRATION_PREFIX, value: options.prefix },
    { key: MIGRATION_KMS_KEY, value: options.kmsKeyId },
    { key: MIGRATION_STATE, value: 'preflight' },
  ];
}
