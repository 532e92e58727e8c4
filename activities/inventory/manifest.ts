// An S3 Inventory report's manifest (User Guide, "Inventory manifest"): which files, in which format, of which fields.
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { forEachConcurrently } from '../../common/concurrently';
import { describeError, isNotFound } from '../s3-errors';
import { z } from 'zod';
import { fieldName } from './row';

export interface InventoryFile {
  key: string;
  size: number;
  md5: string;
}

export interface InventoryManifest {
  /** s3://BUCKET/KEY of manifest.json, as the operator gave it. */
  url: string;
  sourceBucket: string;
  /** Where the data files are: the inventory's destination bucket. */
  dataBucket: string;
  /** When S3 began scanning the bucket for this report (ISO 8601). */
  createdAt: string;
  format: 'CSV' | 'Parquet';
  /** The declared fields, folded (row.ts fieldName), in the CSV's column order. */
  fields: string[];
  files: InventoryFile[];
  /** An inventory of all versions (it declares VersionId, IsLatest, IsDeleteMarker). */
  allVersions: boolean;
}

const manifestJson = z.object({
  sourceBucket: z.string().min(1),
  destinationBucket: z.string().regex(/^arn:[\w-]+:s3:::[^/]+$/, 'destinationBucket must be a bucket ARN'),
  creationTimestamp: z.string().regex(/^\d+$/),
  fileFormat: z.string(),
  fileSchema: z.string(),
  files: z.array(z.object({ key: z.string().min(1), size: z.number().int().min(0), MD5checksum: z.string() })),
});

/** s3://BUCKET/KEY: the manifest's bucket and key. */
export function parseInventoryUrl(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+\.json)$/.exec(url);
  if (!match) throw new Error(`--inventory must be the s3:// address of an inventory's manifest.json, not ${url}`);
  return { bucket: match[1], key: match[2] };
}

/**
 * The declared field names: CSV's `Bucket, Key, Size, …`, Parquet's (and ORC's) schema
 * `message s3.inventory { required binary bucket (STRING); … }`.
 */
export function declaredFields(format: string, schema: string): string[] {
  if (format === 'CSV') return schema.split(',').map((f) => fieldName(f.trim()));
  return [...schema.matchAll(/(?:required|optional)\s+\w+\s+(\w+)/g)].map((m) => fieldName(m[1]));
}

async function text(s3: S3Client, bucket: string, key: string, what: string): Promise<string> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (err) {
    throw new Error(`the inventory's ${what} s3://${bucket}/${key} could not be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Reads manifest.json and checks it against manifest.checksum beside it (the MD5 of its content). Refuses what
 * this tool does not read (ORC) or a manifest without the two fields every row needs.
 */
export async function readManifest(s3: S3Client, url: string): Promise<InventoryManifest> {
  const { bucket, key } = parseInventoryUrl(url);
  const body = await text(s3, bucket, key, 'manifest');
  const checksum = await text(s3, bucket, key.replace(/manifest\.json$/, 'manifest.checksum'), 'manifest.checksum');
  const md5 = createHash('md5').update(body).digest('hex');
  if (checksum.trim().toLowerCase() !== md5)
    throw new Error(`the inventory manifest ${url} does not match its manifest.checksum (MD5 ${md5})`);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error(`the inventory manifest ${url} is not JSON`);
  }
  const parsed = manifestJson.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `the inventory manifest ${url} is not an S3 Inventory manifest: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  const m = parsed.data;
  if (m.fileFormat !== 'CSV' && m.fileFormat !== 'Parquet')
    throw new Error(`the inventory ${url} is ${m.fileFormat}: this tool reads CSV and Parquet inventories`);
  const fields = declaredFields(m.fileFormat, m.fileSchema);
  for (const needed of ['bucket', 'key'])
    if (!fields.includes(needed)) throw new Error(`the inventory ${url} declares no ${needed} field`);
  return {
    url,
    sourceBucket: m.sourceBucket,
    dataBucket: m.destinationBucket.replace(/^arn:[\w-]+:s3:::/, ''),
    createdAt: new Date(Number(m.creationTimestamp)).toISOString(),
    format: m.fileFormat,
    fields,
    files: m.files.map((f) => ({ key: f.key, size: f.size, md5: f.MD5checksum.toLowerCase() })),
    allVersions: fields.includes('versionid'),
  };
}

/**
 * Whether this inventory can drive what was asked: an inventory of the bucket, of all versions for
 * --all-versions, and (for a plan, which decides from the rows alone) with the fields a decision reads.
 */
export function checkInventoryFits(
  manifest: InventoryManifest,
  asked: { bucket: string; allVersions?: boolean; plan?: boolean },
): void {
  const { url } = manifest;
  if (manifest.sourceBucket !== asked.bucket)
    throw new Error(`the inventory ${url} lists bucket ${manifest.sourceBucket}, not ${asked.bucket}`);
  if (asked.allVersions && !manifest.allVersions)
    throw new Error(
      `the inventory ${url} lists current versions only: --all-versions needs an inventory of all versions ` +
        `(IncludedObjectVersions All)`,
    );
  if (!asked.plan) return;
  const missing = ['Size', 'EncryptionStatus', 'StorageClass'].filter((f) => !manifest.fields.includes(fieldName(f)));
  if (missing.length > 0)
    throw new Error(
      `the inventory ${url} lacks the field(s) ${missing.join(', ')} a plan decides by: add them to the ` +
        `inventory's optional fields, or plan without --inventory`,
    );
}

/** Data files looked at at once when checking that a report is whole. */
const FILES_CHECKED_AT_ONCE = 16;

/**
 * Every data file the manifest lists is there, at the size it says: a report S3 has partly expired (a lifecycle
 * rule on the destination bucket) or partly copied is refused before anything starts, not half-way through.
 */
export async function checkDataFiles(s3: S3Client, manifest: InventoryManifest): Promise<void> {
  const problems: string[] = [];
  await forEachConcurrently(manifest.files, FILES_CHECKED_AT_ONCE, async (file) => {
    const where = `s3://${manifest.dataBucket}/${file.key}`;
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: manifest.dataBucket, Key: file.key }));
      if (head.ContentLength !== file.size)
        problems.push(`${where} is ${head.ContentLength} bytes, its manifest says ${file.size}`);
    } catch (err) {
      problems.push(isNotFound(err) ? `${where} is missing` : describeError(err, `${where} could not be read`));
    }
  });
  if (problems.length === 0) return;
  throw new Error(
    `the inventory ${manifest.url} is not whole: ${problems.slice(0, 3).join('; ')}` +
      `${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}; use a complete report`,
  );
}
