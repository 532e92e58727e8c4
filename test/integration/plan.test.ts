// `migrate plan` on the local stack, next to the migration it predicts: every S3 request the worker then makes,
// counted at a loopback proxy, against the plan's estimate by kind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { createBucket, createKey, put, putMany, readObject, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { temporalClient } from '../helpers/temporal';
import { kmsQueueRate, kmsTaskWeight } from '../../common/kms-budget';
import { MIB } from '../../common/s3-limits';

/** The proxy's names for S3 calls, as the plan names them. */
const KIND_OF: Record<string, string> = {
  HEAD: 'HeadObject',
  'GET?tagging': 'GetObjectTagging',
  'PUT?tagging': 'PutObjectTagging',
  'GET?acl': 'GetObjectAcl',
  CopyObject: 'CopyObject',
  'PUT?encryption': 'UpdateObjectEncryption',
  'GET?list-type': 'ListObjects',
  'GET?annotation': 'ListObjectAnnotations',
  'POST?uploads': 'CreateMultipartUpload',
  UploadPartCopy: 'UploadPartCopy',
  'GET?uploadId': 'ListParts',
  'POST?uploadId': 'CompleteMultipartUpload',
};

/** The S3 requests made to `bucket` since timeline entry `from`, by the plan's names. */
function requestsTo(proxied: ProxiedWorker, bucket: string, from: number): Record<string, number> {
  const actual: Record<string, number> = {};
  for (const { name, path } of proxied.proxy.timeline.slice(from)) {
    const kind = KIND_OF[name];
    if (kind && (path === `/${bucket}` || path.startsWith(`/${bucket}/`))) actual[kind] = (actual[kind] ?? 0) + 1;
  }
  return actual;
}

describe('migrate plan', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    proxied = await startProxiedWorker();
  });
  after(async () => {
    await proxied.stop();
  });

  it(
    "changes nothing, counts objects by state and action, and predicts the migration's S3 requests",
    { timeout: 240_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('plan');
      const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
      await putMany(bucket, keys(60, 'sse-s3/'), (k) => k, 16, { ServerSideEncryption: 'AES256' });
      await putMany(bucket, keys(40, 'plain/'), (k) => k);
      await put(bucket, 'tagged', 'x', { Tagging: 'team=a' });
      const before = await readObject(bucket, 'plain/000');

      const planned = await runMigrate([
        'plan',
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--max-kms-rps',
        '40',
        '--json',
      ]);
      assert.equal(planned.code, 0, planned.stderr);
      const { tally, estimate } = planned.json;
      assert.deepEqual([tally.listed.objects, tally.surveyed], [101, 101]);
      assert.deepEqual(estimate.byState, {
        'SSE-S3': { objects: 60, bytes: 60 * 10 },
        'not encrypted': { objects: 41, bytes: 40 * 9 + 1 },
      });
      assert.deepEqual(
        Object.fromEntries(Object.entries(estimate.byAction).map(([k, v]) => [k, (v as { objects: number }).objects])),
        { update: 60, copy: 41 },
      );
      assert.equal(estimate.kmsRequests, 101);
      // 101 requests at the KMS queue's rate for 40/s (12 tasks/s of 3 requests): 2.8 s, said as about 3 s.
      assert.equal(estimate.durationSeconds, 101 / (kmsQueueRate(40) * kmsTaskWeight(40)));
      assert.match(planned.stdout, /duration at a budget of 40 KMS requests\/s: about 3 s/);
      assert.deepEqual(await readObject(bucket, 'plain/000'), before, 'the plan changed nothing');

      const from = proxied.proxy.timeline.length;
      const run = await runMigrate([
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--max-kms-rps',
        '40',
        '--wait',
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      // This bucket's requests only: the worker may also serve other tests' leftovers on the shared stack.
      const actual = requestsTo(proxied, bucket, from);
      // Exact for every per-object request; the migration's preflight adds two HEADs of the bucket (is it there,
      // is it the expected owner's) and one probe UpdateObjectEncryption of an object that does not exist.
      const expected = {
        ...estimate.requests,
        HeadObject: estimate.requests.HeadObject + 2,
        UpdateObjectEncryption: estimate.requests.UpdateObjectEncryption + 1,
      };
      assert.deepEqual(
        actual,
        expected,
        `plan ${JSON.stringify(estimate.requests)}\nmigration ${JSON.stringify(actual)}`,
      );
    },
  );

  it('predicts the requests of a copy in parts and of objects only tagged exactly', { timeout: 240_000 }, async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('plan-parts');
    await put(bucket, 'big', Buffer.alloc(10 * MIB + 1), { Metadata: { owner: 'x' }, Tagging: 'team=a' });
    const underKey = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: keyArn };
    await put(bucket, 'marked', 'm', { ...underKey, Tagging: '__ObjectEncrypted=true' });
    await put(bucket, 'unmarked', 'u', underKey);
    const args = ['--bucket', bucket, '--kms-key', keyArn, '--multipart-threshold', String(5 * MIB)];
    const parts = ['--part-size', String(5 * MIB)];
    const planned = await runMigrate(['plan', ...args, ...parts, '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const { estimate } = planned.json;
    assert.equal(estimate.byAction['copy in parts'].objects, 1);
    assert.equal(estimate.byAction['ensure-tag'].objects, 2);
    assert.equal(estimate.requests.UploadPartCopy, 3);
    const from = proxied.proxy.timeline.length;
    const run = await runMigrate([...args, ...parts, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual([run.json.counts.migrated, run.json.counts.alreadyDone], [1, 2]);
    // Preflight as above: two HEADs of the bucket and one probe update. And one tag write the plan cannot see:
    // the emulator's HEAD gives no tag count, so only reading the tags tells the unmarked object from the
    // marked one (on S3 its count of 0 says so, and the plan counts the write).
    assert.deepEqual(requestsTo(proxied, bucket, from), {
      ...estimate.requests,
      HeadObject: estimate.requests.HeadObject + 2,
      UpdateObjectEncryption: 1,
      PutObjectTagging: (estimate.requests.PutObjectTagging ?? 0) + 1,
    });
  });

  it('samples by key hash and scales to the whole listing, saying so', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('plan-sample');
    await putMany(
      bucket,
      Array.from({ length: 400 }, (_, i) => `o${String(i).padStart(4, '0')}`),
      (k) => k,
      16,
      { ServerSideEncryption: 'AES256' },
    );
    const planned = await runMigrate(['plan', '--bucket', bucket, '--kms-key', keyArn, '--sample', '50', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const { tally, estimate } = planned.json;
    assert.equal(tally.listed.objects, 400);
    assert.ok(tally.surveyed >= 25 && tally.surveyed <= 80, `${tally.surveyed} sampled`);
    assert.equal(estimate.byAction.update.objects, 400, 'scaled to every listed object');
    assert.match(planned.stdout, /estimated from a sample of \d+ objects chosen by key hash/);
  });

  it('refuses bad input naming it, and plans nothing', async () => {
    for (const [args, message] of [
      [['plan', '--kms-key', 'k'], /--bucket is required/],
      [['plan', '--bucket', 'abc', '--kms-key', 'k', '--sample', '0'], /--sample must be at least 1/],
      [['plan', '--bucket', 'abc', '--kms-key', 'k', '--price-kms', '-1'], /--price-kms must not be negative/],
    ] as [string[], RegExp][]) {
      const run = await runMigrate(args);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, message);
    }
  });

  it('with --all-versions, decides the noncurrent versions as the migration would, and leaves no version behind', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('plan-versions', { versioned: true });
    for (const key of ['a', 'b', 'c']) {
      await put(bucket, key, `${key} plain`); // noncurrent, not encrypted: not updatable in place
      await put(bucket, key, `${key} old`, { ServerSideEncryption: 'AES256' }); // noncurrent: updated in place
      await put(bucket, key, `${key} now`, { ServerSideEncryption: 'AES256' });
    }
    const versions = async () => (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions?.length;
    const planned = await runMigrate(['plan', '--bucket', bucket, '--kms-key', keyArn, '--all-versions', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const actions = Object.fromEntries(
      Object.entries(planned.json.estimate.byAction).map(([k, v]) => [k, (v as { objects: number }).objects]),
    );
    assert.deepEqual(actions, { update: 6, 'skip: noncurrent-not-updatable': 3 });
    assert.match(planned.stdout, /9 objects and noncurrent versions \(--all-versions\)/);
    assert.equal(await versions(), 9, 'the plan changed nothing, not even a version');
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--all-versions', '--wait', '--json']);
    assert.equal(run.json.counts.updated, 6, 'as planned');
    assert.equal(run.json.counts.skipped['noncurrent-not-updatable'], 3);
  });

  it('attaches only to a running plan of the same key and options', async () => {
    const bucket = await createBucket('plan-attach');
    const temporal = await temporalClient();
    const workflowId = `s3-kms-plan/${bucket}/`;
    const input = {
      bucket,
      prefix: '',
      kmsKeyId: 'alias/one',
      bucketKeyEnabled: false,
      multipartThresholdBytes: 5 * 1024 ** 3,
      partSizeBytes: 512 * 1024 ** 2,
    };
    // No worker polls this queue: the plan stays running while the client tries to attach.
    const running = await temporal.client.workflow.start('planBucket', {
      taskQueue: 'nobody-polls',
      workflowId,
      args: [input],
      memo: { input },
    });
    try {
      const other = await runMigrate(['plan', '--bucket', bucket, '--kms-key', 'alias/two']);
      assert.equal(other.code, 1, other.stderr);
      assert.match(
        other.stderr,
        /a plan of s3:\/\/\S+\/ is already running \(workflow s3-kms-plan\/\S+\/\) with other kmsKeyId; wait for it/,
      );
    } finally {
      await running.terminate('test done');
      await temporal.close();
    }
  });
});
