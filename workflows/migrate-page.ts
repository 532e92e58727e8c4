import type { PageInput, PageResult } from './types';
import { useBucketAccess } from './bucket-access';
import { PageRun } from './page/page-run';

export { packBatches, takeBatch, type BatchBounds } from './page/batches';

/**
 * Migrates one listed page of objects (workflows/page/). The coordinator owns control: the page reports each
 * failure to it (and its result at the end), and obeys its pause, resume and budget. A permanent failure is
 * final only if no resume came after it: when too many objects fail (a disabled key, a policy that denies the
 * worker), the coordinator pauses every page, and after the operator's resume every object that failed before
 * it is tried again.
 */
export async function migratePage(input: PageInput): Promise<PageResult> {
  useBucketAccess(input.access);
  const page = new PageRun(input);
  await page.migrateAll();
  await page.retryOrAcceptFailures();
  return page.finish();
}
