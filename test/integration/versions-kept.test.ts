import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';

const setVersioning = (bucket: string, Status: 'Enabled' | 'Suspended') =>
  s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }));

/** Every version of the bucket: key, version ID, content. */
async function versionsOf(bucket: string): Promise<Map<string, string>> {
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const versions = new Map<string, string>();
  for (const v of listed.Versions ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
    versions.set(`${v.Key}@${v.VersionId}`, await got.Body!.transformToString());
  }
  return versions;
}

const keyOf = async (bucket: string, key: string) =>
  (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId;

describe('no version is ever lost', () => {
  let proxied: ProxiedWorker;
  let keyArn: string;
  before(async () => {
    proxied = await startProxiedWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await proxied.stop();
  });

  it('in a version-suspended bucket, an object whose copy would replace an older null version is skipped, the rest migrated', async () => {
    const bucket = await createBucket('suspended');
    // Unencrypted (copied): "doc" gets a null version "A" before versioning, then a current versioned "B".
    await put(bucket, 'doc', 'A');
    await put(bucket, 'null-current', 'N'); // its only version is null: replaced by the same data under the key
    await setVersioning(bucket, 'Enabled');
    await put(bucket, 'doc', 'B');
    await put(bucket, 'id-only', 'I'); // a versioned object without a null version: the copy adds one on top
    await put(bucket, 'sse-s3', 'S', { ServerSideEncryption: 'AES256' }); // updated in place: no version written
    await setVersioning(bucket, 'Suspended');
    const before = await versionsOf(bucket);
    assert.equal(before.get('doc@null'), 'A', 'the emulator keeps the null version beneath');

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, `exit 3: one object skipped\n${run.stderr}`);
    assert.equal(run.json.counts.migrated, 3);
    assert.equal(run.json.counts.skipped['null-version-kept'], 1);
    assert.deepEqual(
      run.json.issues.map((i: { key: string; code: string }) => `${i.key} ${i.code}`),
      ['doc null-version-kept'],
    );
    const after = await versionsOf(bucket);
    for (const [version, content] of before) {
      assert.equal(after.get(version), content, `${version} is still there with its content`);
    }
    assert.equal(await keyOf(bucket, 'null-current'), keyArn);
    assert.equal(await keyOf(bucket, 'id-only'), keyArn);
    assert.equal(await keyOf(bucket, 'sse-s3'), keyArn);
    assert.equal(await keyOf(bucket, 'doc'), undefined, 'doc is left as it was');
  });

  it('in a versioned bucket, every older version stays as it was', async () => {
    const bucket = await createBucket('versioned', { versioned: true });
    await put(bucket, 'a', 'a1');
    await put(bucket, 'a', 'a2', { ServerSideEncryption: 'AES256' });
    await put(bucket, 'b', 'b1', { ServerSideEncryption: 'AES256' });
    await put(bucket, 'b', 'b2');
    const before = await versionsOf(bucket);

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 2);
    assert.equal(run.json.counts.olderVersions, 2);
    const after = await versionsOf(bucket);
    for (const [version, content] of before) assert.equal(after.get(version), content, `${version} kept`);
    assert.equal(await keyOf(bucket, 'a'), keyArn);
    assert.equal(await keyOf(bucket, 'b'), keyArn);
  });
});
