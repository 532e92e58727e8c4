// A multipart copy's child workflow that ends without a result (terminated by hand here) fails that object
// only: the page and the migration go on. On fake activities, on a dev server (see pages-outliving-runs).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pageWorkflowId, type MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { pauseSignal, resumeSignal } from '../../workflows/messages';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

describe('a multipart copy that ends without a result', { timeout: 60_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('fails that object with the reason; every other object is migrated and the migration completes', async () => {
    const bucket = new FakeBucket(50);
    bucket.largeKeys.add(bucket.keys[0]);
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(
        h.optionsFor({ pageSize: 100, pagesInFlight: 1, multipartThresholdBytes: 10 * 1024 * 1024 }),
      );
      const child = h.env.client.workflow.getHandle(
        `${pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1)}/parts-0.1`,
      );
      for (const deadline = Date.now() + 20_000; bucket.uploadsStarted === 0 && Date.now() < deadline;)
        await sleep(100);
      assert.equal(bucket.uploadsStarted, 1, 'the multipart copy started its upload');
      await child.terminate('by hand');
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.phase, 'completed');
      assert.equal(summary.counts.migrated, 49);
      assert.equal(summary.counts.failed, 1);
      assert.deepEqual(
        summary.issues.map((i) => `${i.key} ${i.code}`),
        [`${bucket.keys[0]} CopyTerminated`],
      );
    });
  });

  it('stops starting parts when the migration is paused, and finishes the copy after the resume', async () => {
    const bucket = new FakeBucket(1);
    bucket.largeKeys.add(bucket.keys[0]);
    bucket.holdUploads = false; // the upload starts at once
    bucket.holdParts = true; // the first parts wait until the pause has reached the copy
    await h.withWorkers(bucket, async () => {
      // 100 MiB in parts of 5 MiB: 20 parts, 8 at a time.
      const handle = await h.start(
        h.optionsFor({ pagesInFlight: 1, multipartThresholdBytes: 10 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 }),
      );
      for (const deadline = Date.now() + 20_000; bucket.partsStarted < 8 && Date.now() < deadline;) await sleep(20);
      assert.equal(bucket.partsStarted, 8, 'the first parts in flight');
      await handle.signal(pauseSignal, 'by hand');
      const copy = h.env.client.workflow.getHandle(
        `${pageWorkflowId(handle.workflowId, handle.firstExecutionRunId, 1)}/parts-0.1`,
      );
      const told = async () =>
        ((await copy.fetchHistory()).events ?? []).some(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'pause',
        );
      for (const deadline = Date.now() + 20_000; !(await told()) && Date.now() < deadline;) await sleep(50);
      assert.ok(await told(), 'the page told its multipart copy');
      bucket.releaseParts(); // the parts in flight finish
      for (const deadline = Date.now() + 10_000; bucket.partsCopied < 8 && Date.now() < deadline;) await sleep(20);
      await sleep(1500);
      assert.equal(bucket.partsStarted, 8, 'no part started while paused');
      await handle.signal(resumeSignal);
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.migrated, 1);
      assert.equal(bucket.partsCopied, 20);
    });
  });

  it('a refused object copied in parts (hours, on S3) holds no lane: every other object of the page is updated meanwhile', async () => {
    const bucket = new FakeBucket(200);
    bucket.kmsWeight = 2; // two objects a batch: more batches than the page has lanes
    const refused = bucket.keys.filter((_, i) => i % 2 === 0 && i < 80); // one in each of the first 40 batches
    for (const key of refused) {
      bucket.largeKeys.add(key);
      bucket.refusedKeys.add(key);
    }
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(
        h.optionsFor({ pageSize: 200, pagesInFlight: 1, multipartThresholdBytes: 10 * 1024 * 1024 }),
      );
      const others = 200 - refused.length;
      for (const deadline = Date.now() + 30_000; bucket.migrated() < others && Date.now() < deadline;) await sleep(100);
      assert.equal(bucket.migrated(), others, 'updated while the multipart copies wait');
      assert.ok(bucket.uploadsStarted > 0, 'the multipart copies are under way');
      bucket.release();
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.migrated, 200);
      assert.deepEqual(summary.counts.refused, { AccessDenied: refused.length });
    });
  });
});
