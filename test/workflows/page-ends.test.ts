// A page that ends without reporting (terminated by hand) and a cancelled migration, on fake activities.
// On a dev server: the time-skipping test server does not tell a parent that an abandoned child was
// terminated, which is exactly what this test is about.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pageWorkflowId } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, waitFor, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

describe('pages that end without a result (dev server, fake activities)', { timeout: 60_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('reports the objects of a page that ended without a result, and cancels its pages when cancelled', async () => {
    const bucket = new FakeBucket(300);
    bucket.holdKeys.add(bucket.keys[0]); // page 1
    bucket.holdKeys.add(bucket.keys[250]); // page 3
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 100, pagesInFlight: 3 }));
      await waitFor(handle, 'pages 1 and 3 held', (p) => { console.log(p.pagesDone, bucket.batchesHeld, p.inFlightPageIds); return p.pagesDone === 1 && bucket.batchesHeld === 2; });
      await h.env.client.workflow.getHandle(pageWorkflowId(handle.workflowId, 1)).terminate('by hand');
      const progress = await waitFor(handle, 'page 1 counted', (p) => p.pagesDone === 2);
      assert.equal(progress.counts.failed, 100);
      assert.equal(progress.issues[0].code, 'PageFailed');
      await handle.cancel();
      const page3 = h.env.client.workflow.getHandle(pageWorkflowId(handle.workflowId, 3));
      await assert.rejects(handle.result());
      for (const deadline = Date.now() + 10_000; (await page3.describe()).status.name === 'RUNNING' && Date.now() < deadline; ) await sleep(100);
      assert.equal((await page3.describe()).status.name, 'CANCELLED');
      bucket.release();
    });
  });
});
