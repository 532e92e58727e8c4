import { Context } from '@temporalio/activity';
import { isChainPageOf } from '../common/types';

// A migration's pages outlive the coordinator run that started them (continue-as-new), so a later run has no
// child handle to learn that one closed without reporting, and a migration terminated by hand leaves its pages
// running. These two activities ask Temporal itself, with the client of the worker that runs them.

/** Of these page workflows, those that are closed, with Temporal's status (COMPLETED, TERMINATED, FAILED, ...). */
export async function closedPages(input: { pageIds: string[] }): Promise<{ pageId: string; status: string }[]> {
  const { client } = Context.current();
  const closed: { pageId: string; status: string }[] = [];
  for (const pageId of input.pageIds) {
    const status = await client.workflow
      .getHandle(pageId)
      .describe()
      .then(
        (described) => described.status.name,
        (err: Error) => (err.name === 'WorkflowNotFoundError' ? 'NOT_FOUND' : Promise.reject(err)),
      );
    if (status !== 'RUNNING') closed.push({ pageId, status });
  }
  return closed;
}

/**
 * Cancels the pages still running from an earlier run of this migration's workflow ID (terminated by hand:
 * its pages were left running), so that they stop spending the KMS budget on objects the new run migrates.
 * Returns how many it cancelled.
 */
export async function cancelEarlierPages(input: { migrationId: string; chainId: string }): Promise<number> {
  const { client } = Context.current();
  const escaped = input.migrationId.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const query = `WorkflowType = 'migratePage' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${escaped}#'`;
  let cancelled = 0;
  for await (const page of client.workflow.list({ query })) {
    const chain = isChainPageOf(page.workflowId, input.migrationId);
    if (chain === undefined || chain === input.chainId) continue;
    await client.workflow
      .getHandle(page.workflowId)
      .cancel()
      .catch(() => undefined); // it may have just ended
    cancelled++;
  }
  return cancelled;
}
