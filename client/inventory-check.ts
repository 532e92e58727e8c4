import { checkInventoryFits, readManifest, type InventoryManifest } from '../activities/inventory/manifest';
import { awsClientsFromEnv } from './aws';

/**
 * Before anything starts: the --inventory manifest is read (and checked against its manifest.checksum) with the
 * client's own AWS settings, and must list the bucket asked, all versions for --all-versions, and for a plan the
 * fields a decision reads. A bad one is refused by name; nothing is changed.
 */
export async function checkInventory(
  url: string,
  asked: { bucket: string; allVersions?: boolean; plan?: boolean },
): Promise<InventoryManifest> {
  const { s3 } = awsClientsFromEnv(process.env);
  try {
    const manifest = await readManifest(s3, url);
    checkInventoryFits(manifest, asked);
    return manifest;
  } finally {
    s3.destroy();
  }
}
