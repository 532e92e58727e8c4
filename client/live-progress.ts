import type { Client, WorkflowHandle } from '@temporalio/client';
import type { migrateBucket } from '../workflows';
import { pageProgressQuery, progressQuery } from '../workflows/messages';
import { addCounts, type MigrationProgress } from '../common/types';

/**
 * The coordinator's counts plus those of the pages still running (which reach the coordinator only
 * when they finish): progress to the object, at the cost of a few queries and no history events.
 */
export async function liveProgress(
  client: Client,
  handle: WorkflowHandle<typeof migrateBucket>,
): Promise<MigrationProgress> {
  const progress = await handle.query(progressQuery);
  const pages = await Promise.all(
    progress.inFlightPageIds.map((id) =>
      client.workflow
        .getHandle(id)
        .query(pageProgressQuery)
        .catch(() => undefined),
    ),
  );
  for (const counts of pages) if (counts) addCounts(progress.counts, counts);
  return progress;
}
