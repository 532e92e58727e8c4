import type { migrateBucket } from '../workflows';
import { liveProgress } from './live-progress';
import type { MigrationOptions, MigrationProgress, MigrationSummary } from '../common/types';
import { type Connected, webUiLink } from './connect';
import { rootMessage } from './failure';
import { formatProgress } from './summary';

export interface StatusReport {
  workflowId: string;
  status: string;
  webUi: string;
  bucket?: string;
  prefix?: string;
  progress?: MigrationProgress & Partial<Pick<MigrationSummary, 'defaultEncryption'>>;
  /** Why live progress is missing for a running migration (no worker answering queries yet). */
  note?: string;
  error?: string;
}

/** Progress of a running migration (by query) or the summary of a finished one (its result). */
export async function migrationStatus(connected: Connected, workflowId: string): Promise<StatusReport> {
  const handle = connected.client.workflow.getHandle<typeof migrateBucket>(workflowId);
  const described = await handle.describe().catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  const options = described.memo?.options as MigrationOptions | undefined;
  const report: StatusReport = {
    workflowId,
    status: described.status.name,
    webUi: webUiLink(connected, workflowId),
    bucket: options?.bucket,
    prefix: options?.prefix,
  };
  if (described.status.name === 'RUNNING') {
    report.progress = await liveProgress(connected.client, handle).catch((err) => {
      report.note = `live progress not available (is a worker running?): ${(err as Error).message}`;
      return undefined;
    });
  } else if (described.status.name === 'COMPLETED') {
    report.progress = await handle.result();
  } else {
    report.error = await handle.result().then(
      () => undefined,
      (err) => rootMessage(err),
    );
  }
  return report;
}

export function formatStatus(report: StatusReport): string {
  return [
    `${report.workflowId}: ${report.status}${report.bucket !== undefined ? ` (s3://${report.bucket}/${report.prefix ?? ''})` : ''}`,
    report.progress ? formatProgress(report.progress) : '',
    report.note ?? '',
    report.error ? `error: ${report.error}` : '',
    `Web UI: ${report.webUi}`,
  ]
    .filter(Boolean)
    .join('\n');
}
