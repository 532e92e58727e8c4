import type { migrateBucket } from '../workflows';
import { progressQuery } from '../workflows/queries';
import type { MigrationProgress } from '../common/types';
import { type Connected, webUiLink } from './connect';
import { rootMessage } from './failure';
import { formatProgress } from './summary';

export interface StatusReport {
  workflowId: string;
  status: string;
  webUi: string;
  progress?: MigrationProgress;
  error?: string;
}

/** Progress of a running migration (by query) or the summary of a finished one (its result). */
export async function migrationStatus(connected: Connected, workflowId: string): Promise<StatusReport> {
  const handle = connected.client.workflow.getHandle<typeof migrateBucket>(workflowId);
  const described = await handle.describe().catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  const report: StatusReport = { workflowId, status: described.status.name, webUi: webUiLink(connected, workflowId) };
  if (described.status.name === 'RUNNING') {
    report.progress = await handle.query(progressQuery);
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
    `${report.workflowId}: ${report.status}`,
    report.progress ? formatProgress(report.progress) : '',
    report.error ? `error: ${report.error}` : '',
    `Web UI: ${report.webUi}`,
  ]
    .filter(Boolean)
    .join('\n');
}
