import { Client, Connection } from '@temporalio/client';
import { stackEnv } from './stack-env';

export async function temporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: stackEnv().TEMPORAL_ADDRESS });
  return { client: new Client({ connection }), close: () => connection.close() };
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
