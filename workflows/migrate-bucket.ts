import { condition } from '@temporalio/workflow';
import type { MigrationSummary } from '../common/types';
import type { CoordinatorInput } from './types';
import { useBucketAccess } from './bucket-access';
import { bucketAccessOf } from './coordinator/first-run';
import { MigrationRun } from './coordinator/migration-run';
import { listAndStartPages } from './coordinator/paging';

export { LISTING_FAILED } from './coordinator/paging';

/**
 * One migration of a bucket (and prefix): preflight once, then list page after page and hand each page to a
 * child workflow, continuing as new every few pages (workflows/coordinator/).
 *
 * The coordinator owns control (coordinator/control.ts): pause and its reason, the stop-early rule, the KMS
 * budget. Pages report their failures and results to it by signal (to its workflow ID, so to whichever run is
 * current) and obey its pause, resume and budget; a run continues as new with its pages still running and
 * hands them to the next.
 */
export async function migrateBucket(input: CoordinatorInput): Promise<MigrationSummary> {
  const run = new MigrationRun(input);
  try {
    const state = run.state ?? (await run.prepare());
    useBucketAccess(bucketAccessOf(run.options, state.preflight));
    run.watchInheritedPages();
    await listAndStartPages(run, state);
    await condition(() => run.pages.size === 0);
    return await run.finish(state);
  } catch (err) {
    await run.ended(err);
    throw err;
  }
}
