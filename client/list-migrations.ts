import type { Connected } from './connect';
import { migrationWorkflowId } from '../common/workflow-ids';
import { formatKmsBudget, kmsBudgetStatus, migrationStatus, type KmsBudgetStatus, type StatusReport } from './status';

/** Migrations `status` without an ID lists: the running ones, and the most recent others, newest first. */
const RECENT_CLOSED = 10;

/** The visibility query for every migration of the bucket, whatever its prefix (their IDs start alike). */
export function ofBucket(bucket: string): string {
  const ids = migrationWorkflowId(bucket, '').replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `WorkflowId STARTS_WITH '${ids}'`;
}

/** The IDs of the migrations a visibility query finds (by workflow type: no custom search attribute needed). */
export async function migrationIds(connected: Connected, query: string, limit = Infinity): Promise<string[]> {
  const found: string[] = [];
  // The service's own listing: the SDK's would decode each memo, which a client without the workers' payload
  // key (MIGRATOR_PAYLOAD_KMS_KEY) cannot read.
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await connected.client.workflowService.listWorkflowExecutions({
      namespace: connected.namespace,
      query: `WorkflowType = 'migrateBucket' AND ${query}`,
      nextPageToken,
    });
    for (const execution of page.executions ?? []) {
      const id = execution.execution?.workflowId;
      if (id && !found.includes(id)) found.push(id);
      if (found.length >= limit) return found;
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return found;
}

/** Workflow IDs of the migrations running in the namespace: they share its KMS budget. */
export function runningMigrationIds(connected: Connected): Promise<string[]> {
  return migrationIds(connected, "ExecutionStatus = 'Running'", Infinity);
}

/**
 * Every running migration and the most recent finished ones in the namespace, each with its progress or
 * summary (as `status <workflowId>` shows it).
 */
export async function listMigrations(
  connected: Connected,
): Promise<{ migrations: StatusReport[]; kmsBudget: KmsBudgetStatus }> {
  const ids = (query: string, limit: number) => migrationIds(connected, query, limit);
  const running = await runningMigrationIds(connected);
  // A run that continued as new is not a migration that ended; the same ID may have ended since and run again.
  const ended = await ids(
    "ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew'",
    RECENT_CLOSED + running.length,
  );
  const recent = ended.filter((id) => !running.includes(id)).slice(0, RECENT_CLOSED);
  const kmsBudget = await kmsBudgetStatus(connected);
  const migrations = await Promise.all([...running, ...recent].map((id) => migrationStatus(connected, id, kmsBudget)));
  return { migrations, kmsBudget };
}

function percent(report: StatusReport): string {
  const c = report.progress?.counts;
  if (!c || c.scanned === 0) return '';
  return `${c.migrated + c.alreadyDone} of ${c.scanned} listed done`;
}

/**
 * The KMS budget, then one line per migration: state, bucket and prefix, how far it got, its KMS rate, why it is
 * paused.
 */
export function formatMigrationList({
  migrations,
  kmsBudget,
}: {
  migrations: StatusReport[];
  kmsBudget: KmsBudgetStatus;
}): string {
  if (migrations.length === 0) return 'no migrations in this namespace';
  const lines = migrations.map((r) => {
    const phase = r.progress?.phase ?? r.status.toLowerCase();
    const where = r.bucket !== undefined ? `s3://${r.bucket}/${r.prefix ?? ''}` : '';
    const kms = r.kmsRps !== undefined ? `${r.kmsRps} KMS req/s` : '';
    const why = r.progress?.pausedBecause
      ? ` — paused because: ${r.progress.pausedBecause}`
      : r.error
        ? ` — ${r.error}`
        : '';
    return `${phase.padEnd(10)} ${where.padEnd(40)} ${percent(r).padEnd(28)} ${kms.padEnd(16)} ${r.workflowId}${why}`;
  });
  return [formatKmsBudget(kmsBudget), ...lines].join('\n');
}
