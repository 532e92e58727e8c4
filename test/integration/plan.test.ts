// `migrate plan` on the local stack, next to the migration it predicts: every S3 request the worker then makes,
// counted at a loopback proxy, against the plan's estimate by kind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, putMany, readObject } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { kmsQueueRate, kmsTaskWeight } from '../../common/kms-budget';

/** The proxy's names for S3 calls, as the plan names them. */
const KIND_OF: Record<string, string> = {
  HEAD: 'HeadObject',
  'GET?tagging': 'GetObjectTagging',
  'PUT?tagging': 'PutObjectTagging',
  'GET?acl': 'GetObjectAcl',
  CopyObject: 'CopyObject',
  'PUT?encryption': 'UpdateObjectEncryption',
  'GET?list-type': 'ListObjects',
};

describe('migrate plan', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    proxied = await startProxiedWorker();
  });
  after(async () => {
    await proxied.stop();
  });

  it('changes nothing, counts objects by state and action, and predicts the migration\'s S3 requests', { timeout: 240_000 }, async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('plan');
    const keys = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${String(i).padStart(3, '0')}`);
    await putMany(bucket, keys(60, 'sse-s3/'), (k) => k, 16, { ServerSideEncryption: 'AES256' });
    await putMany(bucket, keys(40, 'plain/'), (k) => k);
    await put(bucket, 'tagged', 'x', { Tagging: 'team=a' });
    const before = await readObject(bucket, 'plain/000');

    const planned = await runMigrate(['plan', '--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '40', '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const { tally, estimate } = planned.json;
    assert.deepEqual([tally.listed.objects, tally.surveyed], [101, 101]);
    assert.deepEqual(estimate.byState, { 'SSE-S3': { objects: 60, bytes: 60 * 10 }, 'not encrypted': { objects: 41, bytes: 40 * 9 + 1 } });
    assert.deepEqual(Object.fromEntries(Object.entries(estimate.byAction).map(([k, v]) => [k, (v as { objects: number }).objects])), { update: 60, copy: 41 });
    assert.equal(estimate.kmsRequests, 101);
    // 101 requests at the KMS queue's rate for 40/s (12 tasks/s of 3 requests): 2.8 s, said as about 3 s.
    assert.equal(estimate.durationSeconds, 101 / (kmsQueueRate(40) * kmsTaskWeight(40)));
    assert.match(planned.stdout, /duration at a budget of 40 KMS requests\/s: about 3 s/);
    assert.deepEqual(await readObject(bucket, 'plain/000'), before, 'the plan changed nothing');

    const from = proxied.proxy.timeline.length;
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '40', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    // This bucket's requests only: the worker may also serve other tests' leftovers on the shared stack.
    const actual: Record<string, number> = {};
    for (const { name, path } of proxied.proxy.timeline.slice(from)) {
      const kind = KIND_OF[name];
      if (kind && (path === `/${bucket}` || path.startsWith(`/${bucket}/`))) actual[kind] = (actual[kind] ?? 0) + 1;
    }
    // Exact for every per-object request; the migration's preflight adds a HEAD of the bucket and one probe
    // UpdateObjectEncryption of an object that does not exist.
    const expected = { ...estimate.requests, HeadObject: estimate.requests.HeadObject + 1, UpdateObjectEncryption: estimate.requests.UpdateObjectEncryption + 1 };
    assert.deepEqual(actual, expected, `plan ${JSON.stringify(estimate.requests)}\nmigration ${JSON.stringify(actual)}`);
  });

  it('samples by key hash and scales to the whole listing, saying so', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('plan-sample');
    await putMany(bucket, Array.from({ length: 400 }, (_, i) => `o${String(i).padStart(4, '0')}`), (k) => k, 16, { ServerSideEncryption: 'AES256' });
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
});
