import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, randomBody, readObject, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { MIB } from '../../common/s3-limits';

async function setVersioning(bucket: string, Status: 'Enabled' | 'Suspended'): Promise<void> {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }));
}

describe('UpdateObjectEncryption as the engine', () => {
  let proxied: ProxiedWorker;
  let keyArn: string;
  let otherKeyArn: string;
  before(async () => {
    proxied = await startProxiedWorker();
    keyArn = await createKey();
    otherKeyArn = await createKey();
  });
  after(async () => {
    await proxied.stop();
  });
  const calls = (name: string) => proxied.proxy.forwarded.get(name) ?? 0;

  it('updates encrypted objects in place (archived and large ones too) and copies only the unencrypted', async () => {
    const bucket = await createBucket('engine');
    const sse = { ServerSideEncryption: 'AES256' } as const;
    await put(bucket, 'sse-s3', 'a', { ...sse, ContentType: 'text/plain', Metadata: { m: '1' }, Tagging: 'own=tag' });
    await put(bucket, 'other key', 'b', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: otherKeyArn });
    await put(bucket, 'glacier', 'c', { ...sse, StorageClass: 'GLACIER' });
    await put(bucket, 'large', randomBody(12 * MIB), { ...sse, StorageClass: 'STANDARD_IA' });
    await put(bucket, 'plain', 'd');
    const keys = ['sse-s3', 'other key', 'glacier', 'large'];
    const before = Object.fromEntries(
      await Promise.all(
        keys.filter((k) => k !== 'glacier').map(async (k) => [k, await readObject(bucket, k)] as const),
      ),
    );
    const copiesBefore = calls('CopyObject') + calls('UploadPartCopy');

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
    const { counts } = run.json;
    assert.equal(counts.migrated, 5);
    assert.equal(counts.updated, 4, 'all but the unencrypted one, in place');
    assert.equal(calls('CopyObject') + calls('UploadPartCopy') - copiesBefore, 1, 'one copy: the unencrypted object');
    assert.match(run.stderr, /engine: update in place/);

    for (const key of keys.filter((k) => k !== 'glacier')) {
      const after = await readObject(bucket, key);
      assert.equal(after.sse, 'aws:kms');
      assert.equal(after.keyArn, keyArn, key);
      const { sse: _a, keyArn: _b, tags, ...kept } = after;
      const { sse: _c, keyArn: _d, tags: tagsBefore, ...keptBefore } = before[key];
      assert.deepEqual(kept, keptBefore, `${key}: ETag, dates, metadata, class and content as they were`);
      assert.deepEqual(tags, { ...tagsBefore, __ObjectEncrypted: 'true' }, `${key}: marker merged into its tags`);
    }
    const glacier = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'glacier' }));
    assert.equal(glacier.SSEKMSKeyId, keyArn, 'archived object updated where it lies');
    assert.equal(glacier.StorageClass, 'GLACIER');
    assert.equal((await readObject(bucket, 'plain')).keyArn, keyArn);

    const again = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.counts.alreadyDone, 5, 'a re-run only checks');
    assert.equal(again.json.counts.migrated, 0);
  });

  it('updates the current version of a versioned bucket without writing a new one', async () => {
    const bucket = await createBucket('engine-versions', { versioned: true });
    const v1 = await put(bucket, 'doc', 'one', { ServerSideEncryption: 'AES256' });
    const v2 = await put(bucket, 'doc', 'two', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.updated, 1);
    const current = await readObject(bucket, 'doc');
    assert.equal(current.versionId, v2.VersionId, 'the same version, re-encrypted');
    assert.equal(current.keyArn, keyArn);
    assert.equal(current.tags.__ObjectEncrypted, 'true');
    const old = await readObject(bucket, 'doc', v1.VersionId);
    assert.equal(old.sse, 'AES256', 'older version left as it was');
    assert.deepEqual(old.tags, {});
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal(versions.Versions?.length, 2, 'no version added');
  });

  it('--all-versions re-encrypts noncurrent versions in place, by version ID, and never copies them', async () => {
    const bucket = await createBucket('engine-all-versions', { versioned: true });
    const v1 = await put(bucket, 'doc', 'one', { ServerSideEncryption: 'AES256', Tagging: 'rev=1' });
    const plainOld = await put(bucket, 'doc', 'two (unencrypted)');
    const v3 = await put(bucket, 'doc', 'three', { ServerSideEncryption: 'AES256' });
    await put(bucket, 'gone', 'x', { ServerSideEncryption: 'AES256' });
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' })); // a delete marker on top
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--all-versions',
      '--page-size',
      '2',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 3, `exit 3: one version could not be re-encrypted\n${run.stderr}`);
    const { counts, issues } = run.json;
    assert.equal(counts.updated, 3, 'doc v1, doc v3 and the noncurrent version of gone');
    assert.equal(counts.skipped['noncurrent-not-updatable'], 1);
    assert.equal(counts.olderVersions, 1, 'the delete marker');
    assert.deepEqual(
      issues.map((i: { key: string; versionId: string }) => [i.key, i.versionId]),
      [['doc', plainOld.VersionId]],
    );
    const old = await readObject(bucket, 'doc', v1.VersionId);
    assert.equal(old.keyArn, keyArn);
    assert.deepEqual(old.tags, { rev: '1', __ObjectEncrypted: 'true' });
    assert.equal((await readObject(bucket, 'doc', v3.VersionId)).keyArn, keyArn);
    assert.equal((await readObject(bucket, 'doc', plainOld.VersionId)).sse, undefined, 'left as it was');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal(versions.Versions?.length, 4, 'no version added');
    assert.equal(versions.Versions?.find((v) => v.Key === 'doc' && v.IsLatest)?.VersionId, v3.VersionId);
  });

  it('--all-versions re-encrypts the null versions written before versioning was enabled, also once it is suspended', async () => {
    const bucket = await createBucket('engine-null-versions');
    const keys = Array.from({ length: 6 }, (_, i) => `old-${i}`);
    for (const key of keys)
      await put(bucket, key, `before versioning ${key}`, {
        ServerSideEncryption: 'AES256',
        Tagging: 'era=unversioned',
      });
    await setVersioning(bucket, 'Enabled');
    for (const key of keys.slice(0, 3)) await put(bucket, key, `after ${key}`, { ServerSideEncryption: 'AES256' });
    await setVersioning(bucket, 'Suspended'); // the other three are overwritten while suspended: their null version is current again
    for (const key of keys.slice(3))
      await put(bucket, key, `suspended ${key}`, { ServerSideEncryption: 'AES256', Tagging: 'era=unversioned' });
    await setVersioning(bucket, 'Enabled');
    for (const key of keys.slice(3)) await put(bucket, key, `after ${key}`, { ServerSideEncryption: 'AES256' });
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal(
      before.Versions?.filter((v) => v.VersionId === 'null' && !v.IsLatest).length,
      6,
      'six noncurrent null versions',
    );

    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--all-versions',
      '--page-size',
      '4',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.updated, 12, 'every version, the null ones too');
    assert.equal(run.json.counts.failed, 0);
    assert.equal(
      run.json.counts.rechecked,
      0,
      'a null version is checked by its own ID, not against the current object',
    );
    for (const key of keys) {
      const old = await readObject(bucket, key, 'null');
      assert.equal(old.keyArn, keyArn, `${key}: the null version is under the key`);
      assert.deepEqual(old.tags, { era: 'unversioned', __ObjectEncrypted: 'true' });
    }
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal(after.Versions?.length, 12, 'no version added');
  });

  it('--bucket-key updates objects already under the key that lack a Bucket Key', async () => {
    const bucket = await createBucket('engine-bucket-key');
    await put(bucket, 'k', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--bucket-key', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.updated, 1);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    assert.equal(head.BucketKeyEnabled, true);
  });

  it('--engine copy copies every object, as before the operation existed', async () => {
    const bucket = await createBucket('engine-copy');
    await put(bucket, 'k', 'x', { ServerSideEncryption: 'AES256' });
    const before = await readObject(bucket, 'k');
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--engine', 'copy', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 1);
    assert.equal(run.json.counts.updated, 0);
    assert.match(run.json.engine, /^copy \(copying every object \(--engine copy\)\)/);
    assert.notEqual((await readObject(bucket, 'k')).lastModified, undefined);
    assert.equal((await readObject(bucket, 'k')).sha256, before.sha256);
  });
});
