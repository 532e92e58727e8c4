import { pauseSignal, resumeSignal } from '../workflows/messages';
import type { Connected } from './connect';
import { setKmsBudget } from './kms-budget';
import { runningMigrationIds } from './list-migrations';
import { describeMigration } from './describe-migration';

/** Signals and cancellation carry nothing a client without the workers' payload key cannot write. */
async function runningHandle(connected: Connected, workflowId: string) {
  const described = await describeMigration(connected, workflowId).catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  if (described.status !== 'RUNNING') {
    throw new Error(`migration ${workflowId} is not running (${described.status})`);
  }
  return { handle: connected.client.workflow.getHandle(workflowId) };
}

/** Pages in flight finish the S3 calls they have started; nothing new starts until resume. */
export async function pauseMigration(connected: Connected, workflowId: string, reason?: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).handle.signal(pauseSignal, reason);
}

export async function resumeMigration(connected: Connected, workflowId: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).handle.signal(resumeSignal);
}

/**
 * Changes the namespace's KMS budget, which every running migration shares; with a workflow ID, that migration
 * must be running (so a typo changes nothing).
 */
export async function setMigrationRate(connected: Connected, workflowId: string | undefined, budgetRps: number) {
  if (workflowId !== undefined) await runningHandle(connected, workflowId);
  const { plan, notes } = await setKmsBudget(connected, budgetRps, `set-rate ${workflowId ?? ''}`.trim());
  return { plan, notes, running: await runningMigrationIds(connected) };
}

/**
 * Cancels a running migration: the coordinator cancels its pages, a page's multipart copies abort their uploads,
 * and S3 calls in flight finish. Objects already migrated stay migrated; running it again later goes on from
 * there (what is done costs a HEAD). Resolves once the migration has ended.
 */
export async function cancelMigration(connected: Connected, workflowId: string): Promise<string> {
  const { handle } = await runningHandle(connected, workflowId);
  await handle.cancel();
  await handle.result().catch(() => undefined); // ends as cancelled: the failure is the expected outcome
  return (await describeMigration(connected, workflowId)).status;
}
