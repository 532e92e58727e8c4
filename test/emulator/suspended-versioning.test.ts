// The local stack's writes to version-suspended buckets (emulator/suspended_versioning.py), as S3 documents
// them: the write becomes the key's "null" version, replacing only an older "null" version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { createBucket, put, s3 } from '../helpers/aws';

const versioning = (bucket: string, Status: 'Enabled' | 'Suspended') =>
  s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status } }));

test('a write to a version-suspended bucket replaces the null version and keeps versions with IDs', async () => {
  const bucket = await createBucket('suspended-writes');
  await put(bucket, 'k', 'null-1'); // before versioning: version "null"
  await versioning(bucket, 'Enabled');
  const withId = (await put(bucket, 'k', 'with-id')).VersionId!;
  await versioning(bucket, 'Suspended');
  await put(bucket, 'k', 'null-2');

  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'k' }));
  const versions = (listed.Versions ?? []).map(
    (v) => `${v.VersionId === withId ? 'with-id' : v.VersionId}${v.IsLatest ? ' (current)' : ''}`,
  );
  assert.deepEqual(versions.sort(), ['null (current)', 'with-id']);
  // GET, not HEAD: moto answers a HEAD by version ID in a suspended bucket with 400 (S3 does not).
  const read = async (VersionId?: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId }))).Body!.transformToString();
  assert.equal(await read(), 'null-2');
  assert.equal(await read(withId), 'with-id');
});
