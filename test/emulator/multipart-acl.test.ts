// An object completed from a multipart upload has an ACL, private unless the upload named one, as in S3
// (emulator/multipart_acl.py; moto leaves it with none and answers GetObjectAcl with HTTP 500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectAclCommand,
  UploadPartCommand,
  type ObjectCannedACL,
} from '@aws-sdk/client-s3';
import { createBucket, s3 } from '../helpers/aws';

async function putInParts(bucket: string, key: string, acl?: ObjectCannedACL): Promise<void> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ACL: acl }));
  const part = await s3.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'one part' }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }),
  );
}

async function grantsOf(bucket: string, key: string): Promise<string[]> {
  const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
  return (acl.Grants ?? []).map((g) => `${g.Grantee?.Type}:${g.Grantee?.URI ?? 'owner'}:${g.Permission}`);
}

test('a multipart upload started without an ACL completes as a private object', async () => {
  const bucket = await createBucket('multipart-acl');
  await putInParts(bucket, 'private');
  assert.deepEqual(await grantsOf(bucket, 'private'), ['CanonicalUser:owner:FULL_CONTROL']);
});

test('a multipart upload started with a canned ACL keeps its grants', async () => {
  const bucket = await createBucket('multipart-acl');
  await putInParts(bucket, 'public', 'public-read');
  assert.deepEqual(await grantsOf(bucket, 'public'), [
    'CanonicalUser:owner:FULL_CONTROL',
    'Group:http://acs.amazonaws.com/groups/global/AllUsers:READ',
  ]);
});
