// Every outcome a batch can answer for an object, in one batch: each is counted once, and the objects that
// need another attempt get exactly one (a refused update is copied in a batch of copies; a changed object is
// looked at and updated again).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchOutcome } from '../../common/contract';
import type { MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

describe('outcomes of one batch', { timeout: 120_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('counts updated, refused, changed, vanished and failed objects of the same batch, each once', async () => {
    const bucket = new FakeBucket(60);
    const [refused, changed, vanished, failed] = [bucket.keys[5], bucket.keys[10], bucket.keys[20], bucket.keys[30]];
    const answers = new Map<string, BatchOutcome>([
      [refused, { status: 'refused', code: 'AccessDenied', message: 'key of another account' }],
      [changed, { status: 'changed' }],
      [vanished, { status: 'vanished' }],
      [failed, { status: 'failed', code: 'KMS.DisabledException', message: 'the key is disabled' }],
    ]);
    bucket.outcomeFor = (key) => {
      const answer = answers.get(key);
      if (key === changed) answers.delete(key); // overwritten once: the second look updates it
      return answer;
    };
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 60, pagesInFlight: 1, maxFailureRate: 1 }));
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.scanned, 60);
      assert.equal(summary.counts.migrated, 58, 'all but the vanished and the failed object');
      assert.equal(summary.counts.updated, 57, 'the refused object was copied, not updated');
      assert.deepEqual(summary.counts.refused, { AccessDenied: 1 });
      assert.deepEqual(bucket.copyBatchSizes, [1], 'copied in a batch of copies');
      assert.equal(summary.counts.rechecked, 1);
      assert.equal(summary.counts.skipped.vanished, 1);
      assert.equal(summary.counts.failed, 1);
      assert.deepEqual(
        summary.issues.map((i) => [i.key, i.status, i.code]).sort(),
        [
          [vanished, 'skipped', 'vanished'],
          [failed, 'failed', 'KMS.DisabledException'],
        ].sort(),
      );
      const touched = bucket.keys.filter((k) => k !== vanished && k !== failed);
      assert.deepEqual(
        touched.filter((k) => bucket.updates.get(k) !== 1),
        [],
        'every other object re-encrypted exactly once',
      );
      assert.equal(bucket.updates.get(failed), undefined);
    });
  });

  it('updates objects from their inventory rows without a HEAD, and HEADs one S3 refused before copying it', async () => {
    const bucket = new FakeBucket(30);
    bucket.rowLooks = true;
    const refused = bucket.keys[7];
    bucket.refusedKeys.add(refused);
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 30, pagesInFlight: 1, maxFailureRate: 1 }));
      const summary = (await handle.result()) as MigrationSummary;
      assert.deepEqual(bucket.inspectSizes, [], 'no batched HEAD: the rows stand for it');
      assert.equal(bucket.singleInspects, 1, 'the refused object alone is looked at before it is copied');
      assert.deepEqual([...bucket.fromRowItems].sort(), bucket.keys, 'each item said it was known only from its row');
      assert.equal(summary.counts.migrated, 30);
      assert.equal(summary.counts.updated, 29);
      assert.deepEqual(summary.counts.refused, { AccessDenied: 1 });
      assert.deepEqual(
        bucket.keys.filter((k) => bucket.updates.get(k) !== 1),
        [],
        'every object re-encrypted exactly once',
      );
    });
  });

  it('looks again at objects a run since the inventory marked, instead of updating them from their rows', async () => {
    const bucket = new FakeBucket(30);
    bucket.rowLooks = true;
    const marked = bucket.keys.slice(10, 15);
    marked.forEach((k) => bucket.markedSince.add(k));
    await h.withWorkers(bucket, async () => {
      const handle = await h.start(h.optionsFor({ pageSize: 30, pagesInFlight: 1 }));
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(bucket.singleInspects, marked.length, 'each marked object HEADed, and decided on that HEAD');
      assert.equal(summary.counts.rechecked, marked.length);
      assert.deepEqual(
        bucket.fromRowItems.filter((k) => marked.includes(k)).sort(),
        marked,
        'given from its row once, not again after its HEAD',
      );
      assert.equal(summary.counts.migrated, 30);
      assert.deepEqual(
        bucket.keys.filter((k) => bucket.updates.get(k) !== 1),
        [],
        'every object re-encrypted exactly once',
      );
    });
  });
});
