// A KMS-queue task does only what the weight in force pays for, whatever weight its batch was formed to: the
// rest of the batch comes back to the page, which forms its next batches to the weight the task reported.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

/** 12 objects on one page, the first 4 under another key (2 KMS requests each), the rest SSE-S3 (1 each). */
function twelveObjects(): FakeBucket {
  const bucket = new FakeBucket(12);
  for (const key of bucket.keys.slice(0, 4)) bucket.otherKeyKeys.add(key);
  return bucket;
}

async function migrate(bucket: FakeBucket, whileRunning?: () => Promise<void>): Promise<void> {
  await h.withWorkers(bucket, async () => {
    const handle = await h.start(h.optionsFor({ pageSize: 12, pagesInFlight: 1, kmsBudgetRps: 10 }));
    await whileRunning?.();
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.updated, 12);
    assert.equal(summary.counts.kmsRequests, 16, 'every KMS request counted once');
    assert.deepEqual(
      bucket.keys.filter((k) => bucket.updates.get(k) !== 1),
      [],
      'each object updated once',
    );
  });
}

describe('the KMS task weight in force', { timeout: 180_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('at a weight of 2, gives each object under another key a task of its own and SSE-S3 objects two to a task', async () => {
    const bucket = twelveObjects();
    bucket.kmsWeight = 2;
    await migrate(bucket);
    assert.ok(
      bucket.batchCosts.every((cost) => cost <= 2),
      `KMS requests per task: ${bucket.batchCosts}`,
    );
    // The first batches were formed to the weight of the budget the migration started with (4 at 10/s): their
    // tasks did what 2 pays for, and handed the rest back.
    assert.deepEqual(bucket.batchSizes.sort(), [1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('applies a lower weight to a batch formed before it was set, and to every batch after it', async () => {
    const bucket = twelveObjects();
    for (const key of bucket.keys) bucket.holdKeys.add(key); // every batch waits, as tasks wait in the KMS queue's backlog
    await migrate(bucket, async () => {
      while (bucket.batchesHeld < 4) await new Promise((resolve) => setTimeout(resolve, 20)); // formed to 4 at 10/s
      bucket.kmsWeight = 2; // set-rate lowered the budget meanwhile
      bucket.release();
    });
    assert.ok(
      bucket.batchCosts.every((cost) => cost <= 2),
      `KMS requests per task: ${bucket.batchCosts}`,
    );
  });

  it('copies the objects S3 would not update in batches filled to the weight, not one object per task, and counted by S3 error code', async () => {
    const bucket = new FakeBucket(600);
    bucket.refuseUpdates = true; // as for a bucket with Object Lock default retention
    bucket.kmsWeight = 100;
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 600, pagesInFlight: 1 }));
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.migrated, 600);
      assert.equal(summary.counts.updated, 0);
      assert.deepEqual(summary.counts.refused, { AccessDenied: 600 });
    });
    assert.deepEqual([...new Set(bucket.updates.values())], [1], 'every object copied exactly once');
    assert.equal(
      bucket.copyBatchSizes.reduce((a, b) => a + b, 0),
      600,
    );
    assert.ok(
      bucket.copyBatchSizes.every((n) => n <= 100),
      `objects per copy task: ${bucket.copyBatchSizes}`,
    );
    assert.ok(bucket.copyBatchSizes.length <= 12, `${bucket.copyBatchSizes.length} copy tasks for 600 objects`);
  });
});
