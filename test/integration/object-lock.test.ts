import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { createKey, put, s3, uniqueBucketName } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';

describe('Object Lock', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    // moto wants an upload checksum header on any write that sets a retention or a legal hold, CopyObject
    // included; AWS documents that requirement for uploads (PutObject, UploadPart), and a copy uploads nothing.
    // The proxy adds the header moto looks for, so the copy goes through as on S3.
    proxied = await startProxiedWorker((req) => {
      const locking = Object.keys(req.headers).some((h) => h.startsWith('x-amz-object-lock-'));
      if (req.headers['x-amz-copy-source'] && locking) req.headers['x-amz-sdk-checksum-algorithm'] = 'CRC32';
      return undefined;
    });
  });
  after(async () => {
    await proxied.stop();
  });

  it('a locked or held object, which the update refuses, is copied with its retention and legal hold; the locked version stays', async () => {
    const keyArn = await createKey();
    const bucket = uniqueBucketName('locked');
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const until = new Date(Date.now() + 3 * 86_400_000);
    until.setUTCMilliseconds(0);
    await put(bucket, 'governed', 'g', { ServerSideEncryption: 'AES256', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ChecksumAlgorithm: 'CRC32' });
    await put(bucket, 'held', 'h', { ObjectLockLegalHoldStatus: 'ON', ChecksumAlgorithm: 'CRC32' });
    await put(bucket, 'free', 'f', { ServerSideEncryption: 'AES256' });

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 3);
    assert.equal(run.json.counts.updated, 1, 'only the unlocked object is updated in place');

    const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const governed = await head('governed');
    assert.equal(governed.SSEKMSKeyId, keyArn);
    assert.equal(governed.ObjectLockMode, 'GOVERNANCE');
    assert.equal(governed.ObjectLockRetainUntilDate?.toISOString(), until.toISOString());
    const held = await head('held');
    assert.equal(held.SSEKMSKeyId, keyArn);
    assert.equal(held.ObjectLockLegalHoldStatus, 'ON');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const count = (key: string) => (versions.Versions ?? []).filter((v) => v.Key === key).length;
    assert.deepEqual([count('governed'), count('held'), count('free')], [2, 2, 1], 'copies add a version; the locked one stays');
  });
});
