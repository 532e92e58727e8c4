// CopyObject into a bucket with Object Lock (emulator/object_lock_copies.py), as S3 documents it: a copy that
// sets a retention, or lands under a default retention, needs no upload checksum header (it uploads no data);
// an upload (PutObject) still does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { s3, uniqueBucketName } from '../helpers/aws';
import { stackEnv } from '../helpers/stack-env';

/** A client that sends no checksum unless an operation requires one, so that the header's absence is tested. */
const bare = new S3Client({
  region: stackEnv().AWS_REGION,
  endpoint: stackEnv().AWS_ENDPOINT_URL,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

async function lockedBucket(label: string, defaultRetention: boolean): Promise<string> {
  const bucket = uniqueBucketName(label);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  if (defaultRetention) {
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
        },
      }),
    );
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'data', ChecksumAlgorithm: 'CRC32' }));
  return bucket;
}

test('a copy over itself that sets a retention needs no upload checksum header', async () => {
  const bucket = await lockedBucket('lock-copy', false);
  const until = new Date(Date.now() + 86_400_000);
  until.setUTCMilliseconds(0);
  await bare.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: 'k',
      CopySource: `${bucket}/k`,
      MetadataDirective: 'COPY',
      ObjectLockMode: 'GOVERNANCE',
      ObjectLockRetainUntilDate: until,
      ServerSideEncryption: 'AES256',
    }),
  );
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
  assert.equal(head.ObjectLockRetainUntilDate?.toISOString(), until.toISOString());
});

test('a copy into a bucket with a default retention needs none either; an upload there still does', async () => {
  const bucket = await lockedBucket('lock-default', true);
  await bare.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: 'k',
      CopySource: `${bucket}/k`,
      MetadataDirective: 'COPY',
      ServerSideEncryption: 'AES256',
    }),
  );
  await assert.rejects(bare.send(new PutObjectCommand({ Bucket: bucket, Key: 'new', Body: 'x' })), {
    name: 'MissingUploadObjectWithObjectLockHeaders',
  });
});
