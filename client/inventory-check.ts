import {
  checkDataFiles,
  checkInventoryFits,
  readManifest,
  type InventoryManifest,
} from '../activities/inventory/manifest';
import { prefixOfMigrationId } from '../common/workflow-ids';
import { awsClientsFromEnv } from './aws';
import type { Connected } from './connect';
import { migrationIds, ofBucket } from './list-migrations';

/**
 * Before anything starts: the --inventory manifest is read (and checked against its manifest.checksum) with the
 * client's own AWS settings, and must list the bucket asked, all versions for --all-versions, and for a plan the
 * fields a decision reads; every data file it lists must be there at its size. A bad one is refused by name;
 * nothing is changed.
 */
export async function checkInventory(
  url: string,
  asked: { bucket: string; allVersions?: boolean; plan?: boolean },
): Promise<InventoryManifest> {
  const { s3 } = awsClientsFromEnv(process.env);
  try {
    const manifest = await readManifest(s3, url);
    checkInventoryFits(manifest, asked);
    await checkDataFiles(s3, manifest);
    return manifest;
  } finally {
    s3.destroy();
  }
}

/**
 * Migrations of the bucket whose objects overlap this prefix's and that ran after the inventory was taken
 * (closed after it, or still running): the rows may not show what they changed. A run whose history Temporal
 * no longer keeps is not found; the worker's look at each row's marker (activities/update-objects.ts) still
 * keeps such an object from being updated twice.
 */
export async function migratedSinceInventory(
  connected: Connected,
  scope: { bucket: string; prefix: string },
  manifest: InventoryManifest,
): Promise<string[]> {
  const ids = await migrationIds(
    connected,
    `${ofBucket(scope.bucket)} AND (ExecutionStatus = 'Running' OR CloseTime > '${manifest.createdAt}')`,
  );
  return ids.filter((id) => {
    const prefix = prefixOfMigrationId(id, scope.bucket);
    return prefix === undefined || prefix.startsWith(scope.prefix) || scope.prefix.startsWith(prefix);
  });
}
