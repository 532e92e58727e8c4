// Temporal fails a workflow task that would leave more than 2,000 activities pending. A page of 1,000
// objects that all go one by one stays far below that: each batched HEAD failed, so each object is looked
// at alone, and its update refused, so it is copied alone too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pageWorkflowId, type MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

describe('pending activities of a page', { timeout: 120_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('1,000 objects copied one by one: never more than 400 of them pending at once, each copied once', async () => {
    const bucket = new FakeBucket(1000);
    bucket.refuseUpdates = true;
    bucket.failBatchedHeads = true;
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 1000, pagesInFlight: 1 }));
      const page = h.env.client.workflow.getHandle(pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1));
      let mostPending = 0;
      let finished = false;
      const done = handle.result().finally(() => (finished = true));
      while (!finished) {
        const pending = await page.describe().then(
          (d) => d.raw.pendingActivities?.length ?? 0,
          () => 0,
        );
        mostPending = Math.max(mostPending, pending);
        await sleep(50);
      }
      const summary = (await done) as MigrationSummary;
      // 400 single copies, plus the page's batch lanes and HEAD batches.
      assert.ok(mostPending <= 400 + 16 + 10, `${mostPending} activities pending at once`);
      assert.ok(mostPending >= 100, `${mostPending}: the cap is what held it, not the worker`);
      assert.equal(summary.counts.migrated, 1000);
      assert.equal(summary.counts.failed, 0);
      assert.deepEqual([...new Set(bucket.updates.values())], [1], 'every object copied exactly once');
    });
  });
});
