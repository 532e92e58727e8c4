import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetBucketEncryptionCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import {
  createBucket,
  createKey,
  listKeys,
  openMultipartUploads,
  put,
  randomBody,
  readObject,
  s3,
  sha256,
  type ObjectState,
} from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';
import { MIB } from '../../common/s3-limits';

const MARKER = { __ObjectEncrypted: 'true' };

const AWKWARD_KEYS = [
  'with space',
  'plus+sign',
  'percent%20literal%',
  'question?mark',
  'hash#tag',
  'unicode/ünïcödé/日本語.txt',
  'double//slash',
  'trailing/',
  `long/${'k'.repeat(995)}`,
];

function assertReencrypted(before: ObjectState, after: ObjectState, keyArn: string, key: string) {
  assert.equal(after.sse, 'aws:kms', `${key}: encryption`);
  assert.equal(after.keyArn, keyArn, `${key}: key`);
  assert.equal(after.sha256, before.sha256, `${key}: body bytes`);
  assert.equal(after.size, before.size, `${key}: size`);
  assert.deepEqual(after.tags, { ...before.tags, ...MARKER }, `${key}: tags`);
  for (const field of [
    'storageClass',
    'contentType',
    'cacheControl',
    'contentDisposition',
    'contentEncoding',
    'contentLanguage',
    'expires',
  ] as const) {
    assert.equal(after[field], before[field], `${key}: ${field}`);
  }
  assert.deepEqual(after.metadata, before.metadata, `${key}: user metadata`);
}

describe('a bucket fully migrated', () => {
  let worker: RunningWorker;
  let keyArn: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
  });
  after(async () => worker.stop());

  it('re-encrypts every object in place, keeping bytes, metadata, storage class and tags; a re-run copies nothing', async () => {
    const bucket = await createBucket('full');
    await put(bucket, 'plain.bin', randomBody(4096), { ServerSideEncryption: 'AES256' });
    await put(bucket, 'rich/report.json', '{"a":1}', {
      ServerSideEncryption: 'AES256',
      ContentType: 'application/json',
      CacheControl: 'max-age=60',
      ContentDisposition: 'attachment; filename="report.json"',
      ContentEncoding: 'identity',
      ContentLanguage: 'fr',
      Expires: new Date('2031-01-01T00:00:00Z'),
      Metadata: { owner: 'ops', 'build-id': '42' },
      Tagging: 'team=blue&env=prod%20eu',
      StorageClass: 'STANDARD_IA',
    });
    await put(bucket, 'cold/one.bin', randomBody(1000), { StorageClass: 'ONEZONE_IA', Tagging: 'a=1' });
    await put(bucket, 'empty', '');
    for (const key of AWKWARD_KEYS) await put(bucket, key, `body of ${key}`, { Metadata: { k: 'v' } });

    const keys = await listKeys(bucket);
    assert.equal(keys.length, 4 + AWKWARD_KEYS.length);
    const before = new Map<string, ObjectState>();
    for (const key of keys) before.set(key, await readObject(bucket, key));

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--page-size', '5', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.status, 'completed');
    assert.equal(run.json.counts.scanned, keys.length);
    assert.equal(run.json.counts.migrated, keys.length);
    assert.equal(run.json.counts.failed, 0);
    assert.match(run.stderr, /Web UI: http/);

    const afterFirst = new Map<string, ObjectState>();
    for (const key of keys) {
      const state = await readObject(bucket, key);
      assertReencrypted(before.get(key)!, state, keyArn, key);
      afterFirst.set(key, state);
    }

    const status = await runMigrate(['status', run.json.workflowId]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /COMPLETED/);
    assert.match(status.stdout, new RegExp(`migrated\\s+${keys.length}`));
    // The bucket's default encryption was left as it was: the summary says new uploads are not under the key.
    assert.equal(run.json.defaultEncryption.underKey, false);
    assert.match(status.stdout, /default encryption: .*new uploads are NOT under the key/);

    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }],
        },
      }),
    );
    const rerun = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(rerun.json.defaultEncryption, { underKey: true, setting: 'SSE-KMS under the key' });
    assert.match(rerun.stderr, /default encryption: SSE-KMS under the key: new uploads are under the key too/);
    assert.equal(rerun.json.counts.migrated, 0, 'a re-run copies nothing');
    assert.equal(rerun.json.counts.alreadyDone, keys.length);
    for (const key of keys) {
      assert.deepEqual(await readObject(bucket, key), afterFirst.get(key), `${key}: unchanged by the re-run`);
    }
  });

  it('copies large objects in parts, keeping content, metadata and tags, and leaves no upload behind', async () => {
    const bucket = await createBucket('multipart');
    const body = randomBody(11 * MIB + 123);
    await put(bucket, 'big/object.bin', body, {
      ContentType: 'application/x-big',
      CacheControl: 'no-cache',
      ContentLanguage: 'de',
      Expires: new Date('2031-01-01T00:00:00Z'),
      Metadata: { origin: 'camera-7' },
      Tagging: 'keep=me',
      StorageClass: 'STANDARD_IA',
    });
    await put(bucket, 'small.txt', 'stays single');
    const before = await readObject(bucket, 'big/object.bin');
    assert.equal(before.sha256, sha256(body));

    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--multipart-threshold',
      String(5 * MIB),
      '--part-size',
      String(5 * MIB),
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 2);
    assertReencrypted(before, await readObject(bucket, 'big/object.bin'), keyArn, 'big/object.bin');
    assert.equal(await openMultipartUploads(bucket), 0, 'no multipart upload left behind');
  });

  it("--set-default-encryption makes the key the bucket's default before listing, and says how to restore the old one", async () => {
    const bucket = await createBucket('set-default');
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    await put(bucket, 'a', 'x');
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--bucket-key',
      '--set-default-encryption',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.defaultEncryptionSet.before, 'SSE-S3 (AES256)');
    assert.equal(run.json.defaultEncryptionSet.changed, true);
    assert.match(
      run.stderr,
      /it was SSE-S3 \(AES256\) \(to restore it: aws s3api put-bucket-encryption --bucket \S+ --server-side-encryption-configuration '\{"Rules":\[\{"ApplyServerSideEncryptionByDefault":\{"SSEAlgorithm":"AES256"\}/,
    );
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration
      ?.Rules?.[0];
    assert.deepEqual(rule?.ApplyServerSideEncryptionByDefault, { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn });
    assert.equal(rule?.BucketKeyEnabled, true);
    assert.equal(run.json.defaultEncryption.underKey, true, 'the summary sees the bucket finished');

    // Objects and default done, no policy yet: finished only when asked to require it does the exit code say so.
    assert.deepEqual(run.json.bucketFinished, {
      objectsUnderKey: true,
      defaultEncryption: true,
      policy: false,
      finished: false,
    });
    assert.match(run.stderr, /bucket finished: no[\s\S]*policy denies other keys\s+no \(no bucket policy/);
    const strict = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--require-finished-bucket',
      '--wait',
      '--json',
    ]);
    assert.equal(strict.code, 4, strict.stderr);

    assert.equal((await runMigrate(['policy', '--bucket', bucket, '--kms-key', keyArn, '--apply'])).code, 0);
    const again = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--bucket-key',
      '--set-default-encryption',
      '--require-finished-bucket',
      '--wait',
      '--json',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.defaultEncryptionSet.changed, false, 'already the key: nothing written');
    assert.equal(again.json.bucketFinished.finished, true);
    assert.match(again.stderr, /bucket finished: yes/);
  });

  it('--set-default-encryption refuses to weaken a DSSE-KMS default, before touching any object', async () => {
    const bucket = await createBucket('set-default-dsse');
    const dsse = {
      Rules: [
        { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' as const, KMSMasterKeyID: keyArn } },
      ],
    };
    await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: dsse }));
    await put(bucket, 'a', 'x', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--set-default-encryption',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /dual-layer SSE-KMS \(DSSE-KMS\): --set-default-encryption would weaken it to SSE-KMS; run without it/,
    );
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration
      ?.Rules?.[0];
    assert.deepEqual(
      rule?.ApplyServerSideEncryptionByDefault,
      dsse.Rules[0].ApplyServerSideEncryptionByDefault,
      'left as it was',
    );
    assert.equal((await readObject(bucket, 'a')).sse, 'AES256', 'no object touched');
  });
});
