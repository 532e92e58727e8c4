import { pauseSignal, resumeSignal } from '../workflows/messages';
import type { Connected } from './connect';

async function runningHandle(connected: Connected, workflowId: string) {
  const handle = connected.client.workflow.getHandle(workflowId);
  const described = await handle.describe().catch((err) => {
    throw new Error(`no migration with workflow ID "${workflowId}": ${(err as Error).message}`);
  });
  if (described.status.name !== 'RUNNING') {
    throw new Error(`migration ${workflowId} is not running (${described.status.name})`);
  }
  return handle;
}

/** Pages in flight finish the S3 calls they have started; nothing new starts until resume. */
export async function pauseMigration(connected: Connected, workflowId: string, reason?: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).signal(pauseSignal, reason);
}

export async function resumeMigration(connected: Connected, workflowId: string): Promise<void> {
  await (await runningHandle(connected, workflowId)).signal(resumeSignal);
}
