import type { migrateBucket } from '../workflows';
import { liveProgress } from './live-progress';
import type { MigrationProgress, MigrationSummary } from '../common/types';
import { type Connected, webUiLink } from './connect';
import { rootMessage } from './failure';
import { formatProgress } from './summary';
import { describeKmsQueue, kmsBudgetInForce } from './kms-budget';
import { runningMigrationIds } from './list-migrations';
import type { KmsBudgetInForce } from '../common/kms-queue-config';
import { describeMigration, SEALED } from './describe-migration';

/** The namespace's one KMS budget and the running migrations that share it. */
export interface KmsBudgetStatus {
  /** As the KMS queue holds it; absent when no migration has set it (or its rate was set by hand). */
  inForce?: KmsBudgetInForce;
  sharedBy: string[];
}

export async function kmsBudgetStatus(connected: Connected): Promise<KmsBudgetStatus> {
  const [inForce, sharedBy] = await Promise.all([kmsBudgetInForce(connected), runningMigrationIds(connected)]);
  return { inForce, sharedBy };
}

export function formatKmsBudget(budget: KmsBudgetStatus): string {
  if (!budget.inForce) return 'KMS budget: none set on the KMS queue (a migration start or set-rate sets it)';
  const { inForce, sharedBy } = budget;
  const when = inForce.setAt ? ` at ${inForce.setAt.toISOString()}` : '';
  return (
    `KMS budget ${inForce.budgetRps} requests/s, shared by ${sharedBy.length} running migration${sharedBy.length === 1 ? '' : 's'} ` +
    `(set by ${inForce.setBy || 'a migration'}${when}): ${describeKmsQueue(inForce)}`
  );
}

/** KMS requests per second a migration caused on average so far (its KMS-queue tasks, as the model counts them). */
function kmsRpsOf(progress: MigrationProgress & Partial<Pick<MigrationSummary, 'finishedAt'>>): number {
  const seconds = ((progress.finishedAt ?? Date.now()) - progress.startedAt) / 1000;
  return seconds > 0 ? Math.round((progress.counts.kmsRequests / seconds) * 10) / 10 : 0;
}

export interface StatusReport {
  workflowId: string;
  status: string;
  webUi: string;
  bucket?: string;
  prefix?: string;
  progress?: MigrationProgress & Partial<Pick<MigrationSummary, 'defaultEncryption'>>;
  /** Why live progress is missing for a running migration (no worker answering queries yet). */
  note?: string;
  /** KMS requests per second this migration caused on average, from its start to now (or its end). */
  kmsRps?: number;
  /** The namespace's KMS budget, which every running migration shares (status of one migration). */
  kmsBudget?: KmsBudgetStatus;
  error?: string;
}

/** Progress of a running migration (by query) or the summary of a finished one (its result). */
export async function migrationStatus(
  connected: Connected,
  workflowId: string,
  budget?: KmsBudgetStatus,
): Promise<StatusReport> {
  const handle = connected.client.workflow.getHandle<typeof migrateBucket>(workflowId);
  const described = await describeMigration(connected, workflowId).catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  const report: StatusReport = {
    workflowId,
    status: described.status,
    webUi: webUiLink(connected, workflowId),
    bucket: described.bucket,
    prefix: described.prefix,
  };
  if (described.sealed) return { ...report, error: SEALED };
  if (described.status === 'RUNNING') {
    report.progress = await liveProgress(connected.client, handle).catch((err) => {
      report.note = `live progress not available (is a worker running?): ${(err as Error).message}`;
      return undefined;
    });
  } else if (described.status === 'COMPLETED') {
    report.progress = await handle.result();
  } else {
    report.error = await handle.result().then(
      () => undefined,
      (err) => rootMessage(err),
    );
  }
  if (report.progress) report.kmsRps = kmsRpsOf(report.progress);
  if (!budget) report.kmsBudget = await kmsBudgetStatus(connected);
  // A running migration follows the budget in force, whatever it was started with.
  const inForce = (budget ?? report.kmsBudget)?.inForce;
  if (report.progress && described.status === 'RUNNING' && inForce) report.progress.kmsBudgetRps = inForce.budgetRps;
  return report;
}

export function formatStatus(report: StatusReport): string {
  return [
    `${report.workflowId}: ${report.status}${report.bucket !== undefined ? ` (s3://${report.bucket}/${report.prefix ?? ''})` : ''}`,
    report.progress ? formatProgress(report.progress) : '',
    report.kmsRps !== undefined
      ? `KMS requests caused: ${report.progress?.counts.kmsRequests} (${report.kmsRps}/s on average)`
      : '',
    report.kmsBudget ? formatKmsBudget(report.kmsBudget) : '',
    report.note ?? '',
    report.error ? `error: ${report.error}` : '',
    `Web UI: ${report.webUi}`,
  ]
    .filter(Boolean)
    .join('\n');
}
