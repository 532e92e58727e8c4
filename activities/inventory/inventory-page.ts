// A migration's page from an S3 Inventory report instead of a listing: the rows after the cursor (file, row).
import type { S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { ListedObject, ListPageResult } from '../../common/contract';
import type { Cursor } from '../../common/contract';
import { decide } from '../../common/decide';
import { PAGE_PAYLOAD_BUDGET_BYTES } from '../list-page';
import { checkInventoryFits, readManifest, type InventoryManifest } from './manifest';
import { park, rowsFrom } from './read-rows';
import { listedFromRow, snapshotFromRow, type InventoryRow } from './row';

export interface InventoryPageInput {
  /** s3://…/manifest.json */
  inventory: string;
  bucket: string;
  prefix: string;
  allVersions?: boolean;
  /** The bucket has (or had) versioning: only a row that names its version can stand for a HEAD. */
  versioned: boolean;
  after: Cursor;
  maxKeys: number;
  /** The rows predate a migration's changes (MigrationOptions.headEveryRow): none stands for a HEAD. */
  headEveryRow?: boolean;
}

/** Rows one page reads at most, so a page of a prefix few rows fall in still ends (and heartbeats) in time. */
const MOST_ROWS_PER_PAGE = 200_000;

const manifests = new Map<string, Promise<InventoryManifest>>();

/** A manifest is read once per process: a report never changes once written. */
export function manifestOf(s3: S3Client, url: string): Promise<InventoryManifest> {
  let manifest = manifests.get(url);
  if (!manifest) {
    manifest = readManifest(s3, url);
    manifests.set(url, manifest);
    manifest.catch(() => manifests.delete(url));
  }
  return manifest;
}

/** SSE-C and DSSE-KMS versions are skipped from the row: no HEAD can make them migratable. */
function skippedByRow(row: InventoryRow): ListedObject['skippedByInventory'] {
  if (!row.versionId || (row.encryptionStatus !== 'SSE-C' && row.encryptionStatus !== 'DSSE-KMS')) return undefined;
  const decision = decide(snapshotFromRow(row), {
    keyArn: '',
    multipartThresholdBytes: Infinity,
    update: false,
    bucketKeyEnabled: false,
    now: 0,
  });
  return decision.action === 'skip' ? { reason: decision.reason, message: decision.message } : undefined;
}

/**
 * The row as a HEAD would show the object, where it may stand for one: an SSE-S3 object (an SSE-KMS row does not
 * name its key) whose update is tied to what the row shows, by its version or, without versions, by the ETag
 * the marker is confirmed against.
 */
export function lookFromRow(row: InventoryRow, versioned: boolean): ListedObject['rowLook'] {
  if (row.encryptionStatus !== 'SSE-S3' || !row.etag || row.size === undefined) return undefined;
  if (versioned && !row.versionId) return undefined;
  return snapshotFromRow(row);
}

/**
 * The next page of objects from the inventory's rows: rows outside the prefix passed over, delete markers and
 * (without --all-versions) noncurrent versions counted as older versions. The cursor names the file and row to
 * read next, so a retried or resumed page reads exactly the rows it would have; a reader is parked where the page
 * ended, so the next page of the file goes on from there.
 */
export async function inventoryPage(s3: S3Client, input: InventoryPageInput): Promise<ListPageResult> {
  let manifest: InventoryManifest;
  try {
    manifest = await manifestOf(s3, input.inventory);
    checkInventoryFits(manifest, input);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw ApplicationFailure.create({ type: 'InventoryUnusable', nonRetryable: true, message: (err as Error).message });
  }
  const objects: ListedObject[] = [];
  let olderVersions = 0;
  let file = input.after.file ?? 0;
  let row = input.after.row ?? 0;
  let rowsRead = 0;
  let payload = 0;
  const full = () =>
    objects.length >= input.maxKeys || payload >= PAGE_PAYLOAD_BUDGET_BYTES || rowsRead >= MOST_ROWS_PER_PAGE;
  while (file < manifest.files.length && !full()) {
    const rows = rowsFrom(s3, manifest, file, row);
    let ended = true;
    for (;;) {
      if (full()) {
        ended = false;
        break;
      }
      const next = await rows.next();
      if (next.done) break;
      row++;
      rowsRead++;
      const taken = listedFromRow(next.value, input);
      if (taken.kind === 'older') olderVersions++;
      if (taken.kind !== 'object') continue;
      const skipped = skippedByRow(next.value);
      const look = skipped || input.headEveryRow ? undefined : lookFromRow(next.value, input.versioned);
      const object = skipped
        ? { ...taken.object, skippedByInventory: skipped }
        : look
          ? { ...taken.object, rowLook: look }
          : taken.object;
      objects.push(object);
      payload += JSON.stringify(object).length;
    }
    if (!ended) {
      park(manifest, file, row, rows);
      break;
    }
    file++;
    row = 0;
  }
  const done = file >= manifest.files.length;
  return { objects, olderVersions, next: done ? input.after : { file, row }, done };
}
