import { kmsBudgetSignal, pauseSignal, resumeSignal } from '../workflows/messages';
import { kmsQueueRate, taskLimitsOf, type TaskLimits } from '../common/kms-budget';
import type { MigrationOptions } from '../common/types';
import type { Connected } from './connect';
import { setKmsQueueRate } from './kms-rate';

async function runningHandle(connected: Connected, workflowId: string) {
  const handle = connected.client.workflow.getHandle(workflowId);
  const described = await handle.describe().catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  if (described.status.name !== 'RUNNING') {
    throw new Error(`migration ${workflowId} is not running (${described.status.name})`);
  }
  return { handle, options: described.memo?.options as MigrationOptions | undefined };
}

/** Pages in flight finish the S3 calls they have started; nothing new starts until resume. */
export async function pauseMigration(connected: Connected, workflowId: string, reason?: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).handle.signal(pauseSignal, reason);
}

export async function resumeMigration(connected: Connected, workflowId: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).handle.signal(resumeSignal);
}

/** Changes the KMS budget of a running migration: the task queue's rate at once, then the recorded budget. */
export async function setMigrationRate(connected: Connected, workflowId: string, budgetRps: number): Promise<{ rate: number; limits: TaskLimits }> {
  const { handle, options } = await runningHandle(connected, workflowId);
  const limits = taskLimitsOf(options ?? {});
  const rate = kmsQueueRate(budgetRps, limits);
  await setKmsQueueRate(connected, rate, `set-rate ${workflowId}: ${budgetRps} KMS requests/s`);
  await handle.signal(kmsBudgetSignal, budgetRps);
  return { rate, limits };
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
  return (await handle.describe()).status.name;
}
