// The rows of one inventory data file, streamed (gzipped CSV) or read a row group at a time (Parquet), each file
// checked against the MD5 its manifest gives.
import { createHash, type Hash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import Papa from 'papaparse';
import type { InventoryFile, InventoryManifest } from './manifest';
import { fieldName, rowFrom, type InventoryRow } from './row';
import { describeError, httpStatus, isNotFound } from '../s3-errors';

/** A file whose bytes are not what its manifest says: the report is damaged, no retry mends it. */
function md5Mismatch(manifest: InventoryManifest, file: InventoryFile, md5: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'InventoryChecksumMismatch',
    nonRetryable: true,
    message: `inventory file s3://${manifest.dataBucket}/${file.key} has MD5 ${md5}, its manifest says ${file.md5}`,
  });
}

/**
 * A data file's bytes. One gone or forbidden since the client checked the report fails the page for good,
 * naming the file; throttling and server errors are retried as any S3 error is.
 */
async function getBody(s3: S3Client, bucket: string, key: string, range?: string): Promise<Readable> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
    return out.Body as Readable;
  } catch (err) {
    if (!isNotFound(err) && httpStatus(err) !== 403) throw err;
    throw ApplicationFailure.create({
      type: 'InventoryUnusable',
      nonRetryable: true,
      message: describeError(err, `inventory data file s3://${bucket}/${key} could not be read`),
    });
  }
}

function hashing(md5: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      done(null, chunk);
    },
  });
}

/** Gzipped CSV without a header, its columns in the manifest's order; the MD5 is checked when the file ends. */
async function* csvRows(s3: S3Client, manifest: InventoryManifest, file: InventoryFile): AsyncGenerator<InventoryRow> {
  const md5 = createHash('md5');
  // Papa Parse rather than csv-parse: three times less CPU per row, which is most of a plan's work.
  const records = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ',', newline: '\n', skipEmptyLines: true });
  pipeline(await getBody(s3, manifest.dataBucket, file.key), hashing(md5), createGunzip(), records, () => undefined);
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      const fields: Record<string, string> = {};
      manifest.fields.forEach((name, i) => (fields[name] = record[i]));
      yield rowFrom(fields, true);
    }
  } finally {
    records.destroy(); // a reader left before the end (a page full) lets go of its connection
  }
  const digest = md5.digest('hex');
  if (digest !== file.md5) throw md5Mismatch(manifest, file, digest);
}

/** Parquet files this process has checked against their MD5 (a Parquet file is read in ranges, not whole). */
const checkedParquet = new Set<string>();

async function checkWholeFile(s3: S3Client, manifest: InventoryManifest, file: InventoryFile): Promise<void> {
  const id = `${manifest.dataBucket}/${file.key}#${file.md5}`;
  if (checkedParquet.has(id)) return;
  const md5 = createHash('md5');
  for await (const chunk of await getBody(s3, manifest.dataBucket, file.key)) md5.update(chunk as Buffer);
  const digest = md5.digest('hex');
  if (digest !== file.md5) throw md5Mismatch(manifest, file, digest);
  checkedParquet.add(id);
}

/** Parquet, from `fromRow`, one row group at a time (only the groups from there on are fetched). */
async function* parquetRows(
  s3: S3Client,
  manifest: InventoryManifest,
  file: InventoryFile,
  fromRow: number,
): AsyncGenerator<InventoryRow> {
  await checkWholeFile(s3, manifest, file);
  const { parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buffer = {
    byteLength: file.size,
    async slice(start: number, end = file.size): Promise<ArrayBuffer> {
      const body = await getBody(s3, manifest.dataBucket, file.key, `bytes=${start}-${end - 1}`);
      const bytes = Buffer.concat(await body.toArray());
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  const metadata = await parquetMetadataAsync(buffer);
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > fromRow) {
      const rowStart = Math.max(fromRow, groupStart);
      const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd: groupEnd, compressors });
      const columns = Object.keys(rows[0] ?? {}).map((name) => [name, fieldName(name)] as const); // once a group
      for (const row of rows) {
        const fields: Record<string, unknown> = {};
        for (const [name, field] of columns) fields[field] = row[name];
        yield rowFrom(fields as Parameters<typeof rowFrom>[0], false);
      }
    }
    groupStart = groupEnd;
  }
}

/** Every row of file number `index` from row `fromRow` on (a CSV file is read from its start, rows skipped). */
export async function* readRows(
  s3: S3Client,
  manifest: InventoryManifest,
  index: number,
  fromRow = 0,
): AsyncGenerator<InventoryRow> {
  const file = manifest.files[index];
  if (manifest.format === 'Parquet') return yield* parquetRows(s3, manifest, file, fromRow);
  let row = 0;
  for await (const r of csvRows(s3, manifest, file)) if (row++ >= fromRow) yield r;
}

/** Readers left where a page ended, so the next page of the same file goes on from there instead of its start. */
const parked = new Map<string, { rows: AsyncGenerator<InventoryRow>; expiry: NodeJS.Timeout }>();
const MOST_PARKED = 8;
/** A reader nobody took up by then (the next page went to another worker) is closed, its connection with it. */
const PARKED_FOR_MS = 60_000;

const parkingId = (manifest: InventoryManifest, index: number, row: number) => `${manifest.url}#${index}@${row}`;

/** The rows of a file from `row`: a parked reader standing there if there is one, else a fresh one. */
export function rowsFrom(
  s3: S3Client,
  manifest: InventoryManifest,
  index: number,
  row: number,
): AsyncGenerator<InventoryRow> {
  const id = parkingId(manifest, index, row);
  const found = parked.get(id);
  if (!found) return readRows(s3, manifest, index, row);
  parked.delete(id);
  clearTimeout(found.expiry);
  return found.rows;
}

function close(id: string): void {
  const reader = parked.get(id);
  if (!reader) return;
  parked.delete(id);
  clearTimeout(reader.expiry);
  void reader.rows.return(undefined);
}

/** Keeps a reader standing at `row` for the next page; the oldest parked one is closed past a few. */
export function park(manifest: InventoryManifest, index: number, row: number, rows: AsyncGenerator<InventoryRow>) {
  const id = parkingId(manifest, index, row);
  const expiry = setTimeout(() => close(id), PARKED_FOR_MS);
  expiry.unref();
  parked.set(id, { rows, expiry });
  for (const oldest of parked.keys()) {
    if (parked.size <= MOST_PARKED) break;
    close(oldest);
  }
}
