import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Counts, ObjectIssue, ReportLocation } from '../common/types';
import { isNotFound, rethrowForTemporal } from './s3-errors';

export const REPORT_COLUMNS = ['bucket', 'key', 'version_id', 'status', 'code', 'message'] as const;

/**
 * A cell a spreadsheet would run as a formula (a key such as `=HYPERLINK(...)`) starts with `'`, which
 * spreadsheets show as text (OWASP, "CSV Injection"); so does one that starts with `'` itself, so that
 * readCell gives every value back exactly.
 */
const FORMULA_START = /^[=+\-@\t\r']/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function readCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** RFC 4180 CSV with a header row: keys may hold commas, quotes and line breaks; no cell is a formula. */
export function reportCsv(bucket: string, issues: ObjectIssue[]): string {
  const rows = issues.map((i) => [bucket, i.key, i.versionId ?? '', i.status, i.code, i.message].map(neutraliseCell));
  return stringify(rows, { header: true, columns: [...REPORT_COLUMNS] });
}

/** The rows of report CSV, every value as it was before reportCsv neutralised it. */
export function parseReportCsv(text: string): Record<(typeof REPORT_COLUMNS)[number], string>[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<
    (typeof REPORT_COLUMNS)[number],
    string
  >[];
  return rows.map(
    (row) =>
      Object.fromEntries(
        Object.entries(row).map(([column, cell]) => [column, readCell(cell)]),
      ) as (typeof rows)[number],
  );
}

/**
 * One part of a page's report: every object of it that was skipped or failed, as CSV, to the location the
 * operator named. The same part is written again by a retry (same key): idempotent.
 */
export async function writeReport(
  s3: S3Client,
  input: { location: ReportLocation; migratedBucket: string; page: number; part: number; issues: ObjectIssue[] },
): Promise<string> {
  const key = `${input.location.keyPrefix}page-${String(input.page).padStart(6, '0')}-${input.part}.csv`;
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: input.location.bucket,
        Key: key,
        Body: reportCsv(input.migratedBucket, input.issues),
        ContentType: 'text/csv',
      }),
    );
    return key;
  } catch (err) {
    rethrowForTemporal(err, `write the report s3://${input.location.bucket}/${key}`);
  }
}

export interface ReportManifest {
  migrationId: string;
  bucket: string;
  prefix: string;
  keyArn: string;
  finishedAt: string;
  counts: Counts;
  files: { key: string; bytes: number }[];
}

/** The manifest of a finished migration's report: its counts and every report file, beside them. */
export async function writeReportManifest(
  s3: S3Client,
  input: { location: ReportLocation; manifest: Omit<ReportManifest, 'files'> },
): Promise<string> {
  const { bucket, keyPrefix } = input.location;
  try {
    const files: ReportManifest['files'] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: `${keyPrefix}page-`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) files.push({ key: o.Key!, bytes: o.Size ?? 0 });
      token = page.NextContinuationToken;
    } while (token);
    const key = `${keyPrefix}manifest.json`;
    const manifest: ReportManifest = { ...input.manifest, files };
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(manifest, null, 2),
        ContentType: 'application/json',
      }),
    );
    return key;
  } catch (err) {
    rethrowForTemporal(err, `write the report manifest to s3://${bucket}/${keyPrefix}`);
  }
}

/** For `migrate report`: the manifest, the text of each file it names, and those that are gone. */
export async function readReport(
  s3: S3Client,
  location: ReportLocation,
): Promise<{ manifest: ReportManifest; csv: string[]; missing: string[] }> {
  const read = (key: string) =>
    new GetObjectCommand({ Bucket: location.bucket, Key: key, ExpectedBucketOwner: location.owner });
  const text = async (key: string) => (await s3.send(read(key))).Body!.transformToString();
  const manifest = JSON.parse(await text(`${location.keyPrefix}manifest.json`)) as ReportManifest;
  const missing: string[] = [];
  const csv = await Promise.all(
    manifest.files.map((f) =>
      text(f.key).catch((err) => {
        if (!isNotFound(err)) throw err;
        missing.push(f.key);
        return '';
      }),
    ),
  );
  return { manifest, csv, missing };
}
