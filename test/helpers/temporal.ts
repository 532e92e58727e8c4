import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../../workflows/messages';
import { stackEnv } from './stack-env';
import { pageWorkflowId } from '../../common/types';

export async function temporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: stackEnv().TEMPORAL_ADDRESS });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/** Resolves once the migration's progress counts at least `objects` migrated (polled every 50 ms). */
export async function untilMigrated(handle: WorkflowHandle, objects: number): Promise<void> {
  while ((await handle.query(progressQuery)).counts.migrated < objects) await new Promise((r) => setTimeout(r, 50));
}

/** Events in each run of a workflow ID, read from the server. */
export async function historyLengths(client: Client, workflowId: string): Promise<number[]> {
  const lengths: number[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    lengths.push(history.events?.length ?? 0);
  }
  return lengths;
}

/**
 * When each activity task of `taskQueue` was dispatched to a worker (its ActivityTaskStarted event), in every
 * workflow whose ID starts with `idPrefix` (a migration, its pages and their children), in order.
 */
export async function dispatchTimes(client: Client, idPrefix: string, taskQueue: string): Promise<number[]> {
  const times: number[] = [];
  for await (const execution of client.workflow.list({
    query: `WorkflowId STARTS_WITH '${idPrefix.replace(/'/g, "\\'")}'`,
  })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const onQueue = new Set<string>();
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.taskQueue?.name === taskQueue) onQueue.add(String(event.eventId));
      const started = event.activityTaskStartedEventAttributes;
      if (started && onQueue.has(String(started.scheduledEventId)) && event.eventTime) {
        times.push(Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6));
      }
    }
  }
  return times.sort((a, b) => a - b);
}

/** The workflow ID of page `page` of the migration's latest chain of runs (common/types.ts pageWorkflowId). */
export async function pageIdOf(client: Client, migrationId: string, page: number): Promise<string> {
  const described = await client.workflow.getHandle(migrationId).describe();
  const chainId = described.raw.workflowExecutionInfo?.firstRunId ?? described.runId;
  return pageWorkflowId(migrationId, chainId, page);
}
