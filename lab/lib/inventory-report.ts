// S3 Inventory reports in AWS's documented layout (manifest.json with fileSchema and MD5s, manifest.checksum,
// gzipped CSV or Parquet data files), written to the emulator, which makes none itself.
import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { stringify } from 'csv-stringify/sync';

/** One row, every field an inventory may hold (ETag without quotes, as inventories give it). */
export interface ReportRow {
  bucket: string;
  key: string;
  versionId?: string;
  isLatest?: boolean;
  isDeleteMarker?: boolean;
  size?: number;
  lastModified?: Date;
  etag?: string;
  storageClass?: string;
  isMultipartUploaded?: boolean;
  replicationStatus?: string;
  encryptionStatus?: string;
  lockRetainUntil?: Date;
  lockMode?: string;
  legalHold?: string;
  intelligentTieringAccessTier?: string;
  bucketKeyStatus?: string;
  checksumAlgorithm?: string;
}

type Kind = 'string' | 'boolean' | 'int64' | 'timestamp';

/** The fields in AWS's order: CSV name, Parquet name and type, and where the row holds it. */
const FIELDS: [string, string, Kind, keyof ReportRow][] = [
  ['Bucket', 'bucket', 'string', 'bucket'],
  ['Key', 'key', 'string', 'key'],
  ['VersionId', 'version_id', 'string', 'versionId'],
  ['IsLatest', 'is_latest', 'boolean', 'isLatest'],
  ['IsDeleteMarker', 'is_delete_marker', 'boolean', 'isDeleteMarker'],
  ['Size', 'size', 'int64', 'size'],
  ['LastModifiedDate', 'last_modified_date', 'timestamp', 'lastModified'],
  ['ETag', 'e_tag', 'string', 'etag'],
  ['StorageClass', 'storage_class', 'string', 'storageClass'],
  ['IsMultipartUploaded', 'is_multipart_uploaded', 'boolean', 'isMultipartUploaded'],
  ['ReplicationStatus', 'replication_status', 'string', 'replicationStatus'],
  ['EncryptionStatus', 'encryption_status', 'string', 'encryptionStatus'],
  ['ObjectLockRetainUntilDate', 'object_lock_retain_until_date', 'timestamp', 'lockRetainUntil'],
  ['ObjectLockMode', 'object_lock_mode', 'string', 'lockMode'],
  ['ObjectLockLegalHoldStatus', 'object_lock_legal_hold_status', 'string', 'legalHold'],
  ['IntelligentTieringAccessTier', 'intelligent_tiering_access_tier', 'string', 'intelligentTieringAccessTier'],
  ['BucketKeyStatus', 'bucket_key_status', 'string', 'bucketKeyStatus'],
  ['ChecksumAlgorithm', 'checksum_algorithm', 'string', 'checksumAlgorithm'],
];

const VERSION_FIELDS = new Set(['VersionId', 'IsLatest', 'IsDeleteMarker']);

export interface ReportOptions {
  sourceBucket: string;
  /** Where the report goes (S3 writes it to the inventory's destination bucket). */
  destinationBucket: string;
  format: 'CSV' | 'Parquet';
  /** All versions (declares VersionId, IsLatest, IsDeleteMarker) or current ones only. */
  allVersions: boolean;
  rowsPerFile?: number;
  /** Leave these fields out of the schema (an inventory configured without them). */
  without?: string[];
  /** A report taken at this time (default now). */
  takenAt?: Date;
}

const ENCRYPTION_STATUS: Record<string, string> = {
  AES256: 'SSE-S3',
  'aws:kms': 'SSE-KMS',
  'aws:kms:dsse': 'DSSE-KMS',
};

/** The rows S3 Inventory would list for a bucket now: its listing, each object HEADed for the optional fields. */
export async function rowsOfBucket(s3: S3Client, bucket: string, allVersions: boolean): Promise<ReportRow[]> {
  const listed: { key: string; versionId?: string; isLatest?: boolean; isDeleteMarker?: boolean }[] = [];
  if (allVersions) {
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...marker }));
      for (const v of page.Versions ?? []) listed.push({ key: v.Key!, versionId: v.VersionId, isLatest: v.IsLatest });
      for (const d of page.DeleteMarkers ?? [])
        listed.push({ key: d.Key!, versionId: d.VersionId, isLatest: d.IsLatest, isDeleteMarker: true });
      if (!page.IsTruncated) break;
      marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
    }
  } else {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) listed.push({ key: o.Key! });
      token = page.NextContinuationToken;
    } while (token);
  }
  const rows: ReportRow[] = [];
  for (const l of listed) {
    const versionFields = allVersions
      ? {
          versionId: l.versionId === 'null' ? '' : l.versionId,
          isLatest: l.isLatest,
          isDeleteMarker: !!l.isDeleteMarker,
        }
      : {};
    if (l.isDeleteMarker) {
      rows.push({ bucket, key: l.key, ...versionFields });
      continue;
    }
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: l.key, VersionId: allVersions ? l.versionId : undefined }))
      .catch((err: { $metadata?: { httpStatusCode?: number } }) => {
        // S3 answers 400 to a HEAD of an SSE-C object without its key; the inventory still lists it.
        if (err.$metadata?.httpStatusCode === 400) return { SSECustomerAlgorithm: 'AES256' } as HeadObjectCommandOutput;
        throw err;
      });
    rows.push({
      bucket,
      key: l.key,
      ...versionFields,
      size: head.ContentLength,
      lastModified: head.LastModified,
      etag: head.ETag?.replace(/"/g, ''),
      storageClass: head.StorageClass ?? 'STANDARD',
      isMultipartUploaded: /-\d+"?$/.test(head.ETag ?? ''),
      encryptionStatus: head.SSECustomerAlgorithm
        ? 'SSE-C'
        : (ENCRYPTION_STATUS[head.ServerSideEncryption ?? ''] ?? 'NOT-SSE'),
      bucketKeyStatus: head.BucketKeyEnabled ? 'ENABLED' : 'DISABLED',
      lockRetainUntil: head.ObjectLockRetainUntilDate,
      lockMode: head.ObjectLockMode,
      legalHold: head.ObjectLockLegalHoldStatus,
    });
  }
  return rows;
}

/** CSV keys are URL-encoded, spaces as +. */
const csvKey = (key: string) => encodeURIComponent(key).replace(/%20/g, '+');

function csvCell(row: ReportRow, field: keyof ReportRow, kind: Kind): string {
  const v = row[field];
  if (v === undefined) return '';
  if (field === 'key') return csvKey(v as string);
  if (kind === 'timestamp') return (v as Date).toISOString();
  return String(v);
}

function csvFile(rows: ReportRow[], fields: typeof FIELDS): Buffer {
  const records = rows.map((row) => fields.map(([, , kind, field]) => csvCell(row, field, kind)));
  return gzipSync(stringify(records, { quoted: true }));
}

async function parquetFile(rows: ReportRow[], fields: typeof FIELDS): Promise<Buffer> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const type = { string: 'STRING', boolean: 'BOOLEAN', int64: 'INT64', timestamp: 'TIMESTAMP' } as const;
  const columnData = fields.map(([, name, kind, field]) => ({
    name,
    type: type[kind],
    data: rows.map((row) => {
      const v = row[field];
      if (v === undefined) return null;
      return kind === 'int64' ? BigInt(v as number) : v;
    }),
  }));
  return Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 10_000 }));
}

function fileSchema(format: 'CSV' | 'Parquet', fields: typeof FIELDS): string {
  if (format === 'CSV') return fields.map(([csv]) => csv).join(', ');
  const parquetType = { string: 'binary', boolean: 'boolean', int64: 'int64', timestamp: 'int64' };
  const annotation = { string: ' (STRING)', boolean: '', int64: '', timestamp: ' (TIMESTAMP(MILLIS,true))' };
  const columns = fields.map(
    ([, name, kind], i) => `${i < 2 ? 'required' : 'optional'} ${parquetType[kind]} ${name}${annotation[kind]};`,
  );
  return `message s3.inventory { ${columns.join(' ')} }`;
}

/**
 * Writes a report of `rows` (any number: they are taken file by file) and returns the s3:// address of its
 * manifest.json, under destination-prefix/source-bucket/config-ID/YYYY-MM-DDTHH-MMZ/ as S3 lays it out.
 */
export async function writeInventoryReport(
  s3: S3Client,
  rows: Iterable<ReportRow>,
  options: ReportOptions,
): Promise<string> {
  const takenAt = options.takenAt ?? new Date();
  const stamp = takenAt.toISOString().slice(0, 16).replace(':', '-') + 'Z';
  const base = `inventory/${options.sourceBucket}/migrator-test`;
  const fields = FIELDS.filter(
    ([csv]) => (options.allVersions || !VERSION_FIELDS.has(csv)) && !(options.without ?? []).includes(csv),
  );
  const rowsPerFile = options.rowsPerFile ?? 100_000;
  const files: { key: string; size: number; MD5checksum: string }[] = [];
  let batch: ReportRow[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ext = options.format === 'CSV' ? 'csv.gz' : 'parquet';
    const key = `${base}/data/${randomUUID()}.${ext}`;
    const body = options.format === 'CSV' ? csvFile(batch, fields) : await parquetFile(batch, fields);
    await s3.send(new PutObjectCommand({ Bucket: options.destinationBucket, Key: key, Body: body }));
    files.push({ key, size: body.length, MD5checksum: createHash('md5').update(body).digest('hex') });
    batch = [];
  };
  for (const row of rows) {
    batch.push(row);
    if (batch.length >= rowsPerFile) await flush();
  }
  await flush();
  const manifest = JSON.stringify({
    sourceBucket: options.sourceBucket,
    destinationBucket: `arn:aws:s3:::${options.destinationBucket}`,
    version: '2016-11-30',
    creationTimestamp: String(takenAt.getTime()),
    fileFormat: options.format,
    fileSchema: fileSchema(options.format, fields),
    files,
  });
  const manifestKey = `${base}/${stamp}/manifest.json`;
  await s3.send(new PutObjectCommand({ Bucket: options.destinationBucket, Key: manifestKey, Body: manifest }));
  await s3.send(
    new PutObjectCommand({
      Bucket: options.destinationBucket,
      Key: manifestKey.replace(/json$/, 'checksum'),
      Body: createHash('md5').update(manifest).digest('hex'),
    }),
  );
  return `s3://${options.destinationBucket}/${manifestKey}`;
}
