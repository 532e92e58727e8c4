// One row of an S3 Inventory report, read from CSV or Parquet, and what it tells a plan or a migration.
import type { ChecksumAlgorithm, ListedObject, ObjectSnapshot } from '../../common/contract';
import { ARCHIVE_CLASSES, ARCHIVE_TIERS } from '../inspect-object';

/** Every field an inventory may declare (User Guide, "Amazon S3 Inventory list"); only Bucket and Key are sure. */
export interface InventoryRow {
  bucket: string;
  key: string;
  /** Inventories of all versions: the version's ID (empty for a version written before versioning was enabled). */
  versionId?: string;
  isLatest?: boolean;
  isDeleteMarker?: boolean;
  size?: number;
  /** Quoted, as S3's HEAD and listings give it (inventories list it without quotes). */
  etag?: string;
  storageClass?: string;
  /** SSE-S3, SSE-KMS, DSSE-KMS, SSE-C or NOT-SSE: the inventory never says which KMS key. */
  encryptionStatus?: string;
  bucketKeyEnabled?: boolean;
  lockRetainUntil?: string;
  lockMode?: string;
  legalHold?: string;
  intelligentTieringAccessTier?: string;
  checksumAlgorithm?: string;
}

/** A declared field's name as CSV (`ObjectLockMode`) and Parquet (`object_lock_mode`) spell it, folded alike. */
export const fieldName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

type Value = string | number | bigint | boolean | Date | null | undefined;

const text = (v: Value): string | undefined => {
  if (v === null || v === undefined || v === '') return undefined;
  return v instanceof Date ? v.toISOString() : String(v);
};
const flag = (v: Value): boolean | undefined =>
  v === undefined || v === null || v === '' ? undefined : String(v) === 'true';
const number = (v: Value): number | undefined => (text(v) === undefined ? undefined : Number(v));
/** Timestamps: ISO text in CSV, a Date or epoch milliseconds in Parquet. */
const instant = (v: Value): string | undefined =>
  typeof v === 'number' || typeof v === 'bigint' ? new Date(Number(v)).toISOString() : text(v);

/**
 * A CSV inventory's key is URL-encoded (spaces as +), so keys with commas or newlines fit in a cell; Parquet's
 * is not.
 */
export const csvKey = (encoded: string) => decodeURIComponent(encoded.replace(/\+/g, ' '));

/** A row from its fields by folded name (fieldName), whichever format it came from. */
export function rowFrom(fields: Record<string, Value>, csv: boolean): InventoryRow {
  const key = text(fields.key) ?? '';
  const etag = text(fields.etag);
  return {
    bucket: text(fields.bucket) ?? '',
    key: csv ? csvKey(key) : key,
    versionId: fields.versionid === undefined ? undefined : (text(fields.versionid) ?? ''),
    isLatest: flag(fields.islatest),
    isDeleteMarker: flag(fields.isdeletemarker),
    size: number(fields.size),
    etag: etag === undefined ? undefined : etag.startsWith('"') ? etag : `"${etag}"`,
    storageClass: text(fields.storageclass),
    encryptionStatus: text(fields.encryptionstatus),
    bucketKeyEnabled: fields.bucketkeystatus === undefined ? undefined : text(fields.bucketkeystatus) === 'ENABLED',
    lockRetainUntil: instant(fields.objectlockretainuntildate),
    lockMode: text(fields.objectlockmode),
    legalHold: text(fields.objectlocklegalholdstatus),
    intelligentTieringAccessTier: text(fields.intelligenttieringaccesstier),
    checksumAlgorithm: text(fields.checksumalgorithm),
  };
}

/**
 * What a migration takes from a row: an object to migrate, a version it leaves alone (a delete marker, or a
 * noncurrent version without --all-versions), or a row outside the prefix asked.
 */
export type RowAsListed = { kind: 'object'; object: ListedObject } | { kind: 'older' } | { kind: 'outside' };

export function listedFromRow(row: InventoryRow, scope: { prefix: string; allVersions?: boolean }): RowAsListed {
  if (!row.key.startsWith(scope.prefix)) return { kind: 'outside' };
  if (row.isDeleteMarker) return { kind: 'older' };
  const noncurrent = row.isLatest === false;
  if (noncurrent && !scope.allVersions) return { kind: 'older' };
  return {
    kind: 'object',
    object: {
      key: row.key,
      // A current object is addressed by its key, as a listing does; a noncurrent one by its version, the null
      // version (written before versioning was enabled) by the ID S3 gives it.
      versionId: noncurrent ? row.versionId || 'null' : undefined,
      size: row.size ?? 0,
      etag: row.etag ?? '',
      storageClass: row.storageClass,
      checksumAlgorithm: row.checksumAlgorithm as ChecksumAlgorithm | undefined,
    },
  };
}

/** The SSE header a HEAD would show for each encryption status. */
const SSE_OF: Record<string, string | undefined> = {
  'SSE-S3': 'AES256',
  'SSE-KMS': 'aws:kms',
  'DSSE-KMS': 'aws:kms:dsse',
};

/**
 * The row as the HEAD a plan would otherwise make: everything the decision reads, but the KMS key of an SSE-KMS
 * object (the inventory does not name it: `kmsKeyArn` stays unset) and its tags. An archived storage class counts
 * as not restored: the inventory does not say.
 */
export function snapshotFromRow(row: InventoryRow): ObjectSnapshot & { exists: true } {
  const status = row.encryptionStatus ?? '';
  const tier = row.intelligentTieringAccessTier;
  return {
    exists: true,
    key: row.key,
    versionId: row.versionId || undefined,
    size: row.size ?? 0,
    etag: row.etag ?? '',
    storageClass: row.storageClass ?? 'STANDARD',
    sse: SSE_OF[status],
    bucketKeyEnabled: row.bucketKeyEnabled,
    sseCustomerAlgorithm: status === 'SSE-C' ? 'AES256' : undefined,
    archived: ARCHIVE_CLASSES.has(row.storageClass ?? '') || ARCHIVE_TIERS.has(tier ?? ''),
    checksumAlgorithm: row.checksumAlgorithm as ChecksumAlgorithm | undefined,
    lock:
      row.lockMode || row.legalHold
        ? {
            mode: row.lockMode as 'GOVERNANCE' | 'COMPLIANCE' | undefined,
            retainUntil: row.lockRetainUntil,
            legalHold: row.legalHold as 'ON' | 'OFF' | undefined,
          }
        : undefined,
  };
}
