import { stringify } from 'csv-stringify/sync';
import type { migrateBucket } from '../workflows';
import { neutraliseCell, parseReportCsv, readReport, REPORT_COLUMNS } from '../activities/report-files';
import { totalSkipped, type MigrationSummary, type ObjectIssue } from '../common/types';
import { awsClientsFromEnv } from './aws';
import type { Connected } from './connect';
import { describeMigration, SEALED } from './describe-migration';

export interface ReportRow {
  bucket: string;
  key: string;
  version_id: string;
  status: string;
  code: string;
  message: string;
}

export interface MigrationReport {
  workflowId: string;
  /** 'report files': every object, from --report-uri; 'summary': what the migration kept (bounded). */
  source: 'report files' | 'summary';
  location?: string;
  /** Objects not migrated by status and reason (code): from the rows. */
  byReason: Record<string, number>;
  /**
   * In the summary's counts but not in the rows: for the summary source, what it did not keep; for report
   * files, parts that were not written (the worker logs why) or files gone since.
   */
  unlisted: number;
  /** Why the rows are not every object the migration skipped or failed, when they are not. */
  incomplete?: string;
  rows: ReportRow[];
}

function byReason(rows: ReportRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[`${row.status} ${row.code}`] = (counts[`${row.status} ${row.code}`] ?? 0) + 1;
  return counts;
}

const fromIssue = (bucket: string, i: ObjectIssue): ReportRow => ({
  bucket,
  key: i.key,
  version_id: i.versionId ?? '',
  status: i.status,
  code: i.code,
  message: i.message,
});

/**
 * `migrate report`: every object a finished migration skipped or failed, from its report files (--report-uri),
 * or, without them, from what its summary kept.
 */
export async function migrationReport(connected: Connected, workflowId: string): Promise<MigrationReport> {
  const handle = connected.client.workflow.getHandle<typeof migrateBucket>(workflowId);
  const described = await describeMigration(connected, workflowId).catch((err: Error) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${err.message}`);
  });
  if (described.sealed) throw new Error(`migration ${workflowId}: ${SEALED}`);
  if (described.status !== 'COMPLETED') {
    throw new Error(
      `migration ${workflowId} is ${described.status}: its report is complete once it has finished (status ` +
        `shows its progress)`,
    );
  }
  const summary: MigrationSummary = await handle.result();
  const skippedOrFailed = summary.counts.failed + totalSkipped(summary.counts);
  if (!summary.report) {
    const rows = summary.issues.map((i) => fromIssue(summary.bucket, i));
    return { workflowId, source: 'summary', byReason: byReason(rows), unlisted: skippedOrFailed - rows.length, rows };
  }
  const { s3 } = awsClientsFromEnv(process.env);
  try {
    const { csv, missing } = await readReport(s3, summary.report);
    const rows: ReportRow[] = csv.flatMap(parseReportCsv);
    const location = `s3://${summary.report.bucket}/${summary.report.keyPrefix}`;
    const unlisted = Math.max(0, skippedOrFailed - rows.length);
    const why = [
      missing.length > 0
        ? `${missing.length} report files the manifest names are gone ` +
          `(${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`
        : '',
      unlisted > 0
        ? `${unlisted} of the ${skippedOrFailed} objects not migrated are in no report file (a part that could not ` +
          `be written: the worker's log says why)`
        : '',
    ].filter(Boolean);
    const report: MigrationReport = {
      workflowId,
      source: 'report files',
      location,
      byReason: byReason(rows),
      unlisted,
      rows,
    };
    return why.length > 0 ? { ...report, incomplete: why.join('; ') } : report;
  } finally {
    s3.destroy();
  }
}

export function reportAsCsv(report: MigrationReport): string {
  const rows = report.rows.map((row) => REPORT_COLUMNS.map((column) => neutraliseCell(row[column])));
  return stringify(rows, { header: true, columns: [...REPORT_COLUMNS] });
}

export function formatReport(report: MigrationReport): string {
  const reasons = Object.entries(report.byReason).sort((a, b) => b[1] - a[1]);
  return [
    `${report.workflowId}: ${report.rows.length} objects not migrated, from ${report.source}${report.location ? ` (${report.location})` : ''}`,
    report.incomplete ? `  INCOMPLETE: ${report.incomplete}` : '',
    ...reasons.map(([reason, n]) => `  ${reason.padEnd(40)} ${n}`),
    report.unlisted > 0 && report.source === 'summary'
      ? `  … and ${report.unlisted} more the summary did not keep: give --report-uri to a migration for all of them`
      : '',
    ...report.rows.map(
      (r) =>
        `  ${r.status.padEnd(7)} ${r.code.padEnd(20)} ${JSON.stringify(r.key)}${r.version_id ? ` (version ${r.version_id})` : ''}: ${r.message}`,
    ),
  ]
    .filter(Boolean)
    .join('\n');
}
