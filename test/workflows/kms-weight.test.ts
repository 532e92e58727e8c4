// A KMS-queue task pays for every KMS request of the step it runs: at a small budget, an object under another
// key (2 requests) is one task of weight 2, not a task and a permit dispatched apart. Migrations started
// before the weight floor (no kmsWeightFloor in their options) keep tasks of 1 and a permit beside them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KMS_WEIGHT_FLOOR } from '../../common/kms-budget';
import type { MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

/** 12 objects, the first 4 under another key, migrated at a budget of 10 KMS requests/s. */
async function migrateAtTen(kmsWeightFloor: number | undefined): Promise<FakeBucket> {
  const bucket = new FakeBucket(12);
  for (const key of bucket.keys.slice(0, 4)) bucket.otherKeyKeys.add(key);
  await h.withWorkers(bucket, async () => {
    const handle = await h.start(h.optionsFor({ pageSize: 12, pagesInFlight: 1, kmsBudgetRps: 10, kmsWeightFloor }));
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.updated, 12);
    assert.deepEqual(bucket.keys.filter((k) => bucket.updates.get(k) !== 1), [], 'each object updated once');
  });
  return bucket;
}

describe('the KMS task weight at a small budget', { timeout: 120_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('gives each object under another key a task of its own, and SSE-S3 objects two to a task, with no permit', async () => {
    const bucket = await migrateAtTen(KMS_WEIGHT_FLOOR);
    assert.equal(bucket.permits, 0);
    assert.deepEqual(bucket.batchSizes.sort(), [1, 1, 1, 1, 2, 2, 2, 2], 'batches run side by side: in any order');
  });

  it('keeps tasks of one request and a permit for each object under another key in a migration from before', async () => {
    const bucket = await migrateAtTen(undefined);
    assert.equal(bucket.permits, 4);
    assert.deepEqual(bucket.batchSizes, Array(12).fill(1));
  });
});
