// Objects under Object Lock, on the local stack without any proxy: S3 refuses to update them in place, and a
// copy would keep their data twice (the locked version cannot be deleted until its lock ends), so they are
// skipped (`object-lock`) and counted by `plan`, unless the operator asks for copies (--copy-locked): then
// each copy carries the same retention and legal hold.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLockConfigurationCommand,
} from '@aws-sdk/client-s3';
import { createKey, put, putMany, s3, uniqueBucketName } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

async function versionsOf(bucket: string): Promise<number> {
  return (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions?.length ?? 0;
}

/** A bucket with Object Lock and a default retention of a day (GOVERNANCE), as a new user would try it. */
async function governedBucket(label: string, objects: number): Promise<{ bucket: string; keys: string[] }> {
  const bucket = uniqueBucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: bucket,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      },
    }),
  );
  const keys = Array.from({ length: objects }, (_, i) => `doc-${String(i).padStart(3, '0')}`);
  await putMany(bucket, keys, (k) => `data of ${k}`, 16, {
    ServerSideEncryption: 'AES256',
    ChecksumAlgorithm: 'CRC32',
  });
  return { bucket, keys };
}

describe('Object Lock', { timeout: 300_000 }, () => {
  let worker: RunningWorker;
  let keyArn: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await worker?.stop();
  });

  it('skips locked objects (object-lock), touching none and failing none; plan counts them and the bytes a copy would double', async () => {
    const { bucket, keys } = await governedBucket('locked-skip', 60);
    const bytes = keys.reduce((sum, k) => sum + `data of ${k}`.length, 0);
    const plan = await runMigrate(['plan', '--bucket', bucket, '--kms-key', keyArn, '--json']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.deepEqual(plan.json.tally.locked, { objects: 60, bytes });
    assert.equal(plan.json.tally.byAction['skip: object-lock'].objects, 60);
    assert.match(
      plan.stdout,
      /under Object Lock: 60 objects, .*: skipped \(object-lock\); --copy-locked would copy them, storing .* twice/,
    );

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.json.phase, 'completed', 'never paused: nothing failed');
    assert.equal(run.json.counts.skipped['object-lock'], 60);
    assert.equal(run.json.counts.failed, 0);
    assert.equal(run.json.counts.migrated, 0);
    assert.match(
      run.json.issues[0].message,
      /under Object Lock \(GOVERNANCE retention until .*--copy-locked copies it/,
    );
    assert.equal(await versionsOf(bucket), 60, 'no copy written');
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0] }));
    assert.equal(head.ServerSideEncryption, 'AES256');
  });

  it('with --copy-locked, copies each with its retention and legal hold, and the locked version stays', async () => {
    const { bucket, keys } = await governedBucket('locked-copy', 30);
    const until = new Date(Date.now() + 3 * 86_400_000);
    until.setUTCMilliseconds(0);
    await put(bucket, 'governed', 'g', {
      ServerSideEncryption: 'AES256',
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: until,
      ChecksumAlgorithm: 'CRC32',
    });
    await put(bucket, 'held', 'h', { ObjectLockLegalHoldStatus: 'ON', ChecksumAlgorithm: 'CRC32' });
    const defaultUntil = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0] })))
      .ObjectLockRetainUntilDate;

    const plan = await runMigrate(['plan', '--bucket', bucket, '--kms-key', keyArn, '--copy-locked']);
    assert.match(
      plan.stdout,
      /under Object Lock: 32 objects, .*: copied \(--copy-locked\), so .* stored twice until their locks end/,
    );
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--copy-locked', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 32);
    assert.equal(run.json.counts.updated, 0, 'S3 refuses to update a locked object: not even tried');

    const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const governed = await head('governed');
    assert.equal(governed.SSEKMSKeyId, keyArn);
    assert.equal(governed.ObjectLockMode, 'GOVERNANCE');
    assert.equal(governed.ObjectLockRetainUntilDate?.toISOString(), until.toISOString());
    const held = await head('held');
    assert.equal(held.SSEKMSKeyId, keyArn);
    assert.equal(held.ObjectLockLegalHoldStatus, 'ON');
    const copied = await head(keys[0]);
    assert.equal(copied.SSEKMSKeyId, keyArn);
    assert.equal(
      copied.ObjectLockRetainUntilDate?.toISOString(),
      defaultUntil?.toISOString(),
      'the same retention date as the version it replaced',
    );
    assert.equal(await versionsOf(bucket), 64, 'each copy adds a version; the locked one stays');
  });
});
