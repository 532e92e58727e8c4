// The local stack's listings name each object's and version's checksum algorithm and type, as S3's do
// (emulator/listed_checksums.py; moto lists the algorithm of current objects only, never the type).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createBucket, put, s3 } from '../helpers/aws';

async function putInParts(bucket: string, key: string, type: 'FULL_OBJECT' | 'COMPOSITE'): Promise<void> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32', ChecksumType: type }),
  );
  const part = await s3.send(
    new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      PartNumber: 1,
      Body: 'one part',
      ChecksumAlgorithm: 'CRC32',
    }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
    }),
  );
}

test('ListObjectsV2 names the checksum algorithm and type of each object, and nothing for one without', async () => {
  const bucket = await createBucket('listed-checksums');
  await put(bucket, 'a-sha256', 'x', { ChecksumAlgorithm: 'SHA256' });
  await putInParts(bucket, 'b-full', 'FULL_OBJECT');
  await putInParts(bucket, 'c-composite', 'COMPOSITE');
  await put(bucket, 'd-none', 'x');

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const seen = (listed.Contents ?? []).map((o) => [o.Key, o.ChecksumAlgorithm?.join(), o.ChecksumType]);
  assert.deepEqual(seen, [
    ['a-sha256', 'SHA256', 'FULL_OBJECT'],
    ['b-full', 'CRC32', 'FULL_OBJECT'],
    ['c-composite', 'CRC32', 'COMPOSITE'],
    ['d-none', undefined, undefined],
  ]);
});

test('ListObjectVersions names them for every version, current or not', async () => {
  const bucket = await createBucket('listed-version-checksums', { versioned: true });
  await putInParts(bucket, 'k', 'COMPOSITE');
  await put(bucket, 'k', 'newer', { ChecksumAlgorithm: 'CRC32C' });

  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const seen = (listed.Versions ?? []).map((v) => [v.IsLatest, v.ChecksumAlgorithm?.join(), v.ChecksumType]);
  assert.deepEqual(seen, [
    [true, 'CRC32C', 'FULL_OBJECT'],
    [false, 'CRC32', 'COMPOSITE'],
  ]);
});
