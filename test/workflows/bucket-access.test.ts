// Every activity a migration runs carries who must own the bucket and whether it is Requester Pays (its
// `access`), from preflight on: the coordinator's, each page's and each multipart copy's. On fake activities.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BucketAccess, MigrationSummary } from '../../common/types';
import { FakeBucket } from '../helpers/fake-bucket';
import { devServerEnv, WorkflowHarness } from '../helpers/workflow-env';

let h: WorkflowHarness;

/** A fake bucket that records the access each activity was given, by activity name. */
class RecordingBucket extends FakeBucket {
  readonly seen: [string, BucketAccess | undefined][] = [];
  override activities() {
    const activities = super.activities() as Record<string, (input: { access?: BucketAccess }) => Promise<unknown>>;
    const recorded: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(activities)) {
      recorded[name] = async (input: { access?: BucketAccess }) => {
        this.seen.push([name, input?.access]);
        const result = await fn(input);
        return name === 'preflight' ? { ...(result as object), owner: '111122223333' } : result;
      };
    }
    return recorded as ReturnType<FakeBucket['activities']>;
  }
}

describe('the bucket access every activity carries', { timeout: 60_000 }, () => {
  before(async () => {
    h = new WorkflowHarness(await devServerEnv());
  });
  after(async () => {
    await h?.env.teardown();
  });

  it('is the owner preflight found and Requester Pays, on every S3 activity after preflight', async () => {
    const bucket = new RecordingBucket(120);
    bucket.largeKeys.add(bucket.keys[0]); // a multipart copy too
    bucket.release();
    await h.withWorkers(bucket, async () => {
      const options = h.optionsFor({
        pageSize: 50,
        multipartThresholdBytes: 10 * 1024 * 1024,
        partSizeBytes: 50 * 1024 * 1024,
        requesterPays: true,
      });
      const handle = await h.start(options);
      const summary = (await handle.result()) as MigrationSummary;
      assert.equal(summary.counts.migrated, 120);
      const expected: BucketAccess = { bucket: options.bucket, owner: '111122223333', requesterPays: true };
      const s3Calls = bucket.seen.filter(
        ([name]) => !['preflight', 'closedPages', 'cancelEarlierPages'].includes(name),
      );
      assert.deepEqual([...new Set(s3Calls.map(([name]) => name))].sort(), [
        'bucketDefaultEncryption',
        'bucketPolicyCheck',
        'completeUpload',
        'copyPart',
        'inspectObjects',
        'listPage',
        'startUpload',
        'updateObjects',
      ]);
      for (const [name, access] of s3Calls) assert.deepEqual(access, expected, name);
    });
  });
});
