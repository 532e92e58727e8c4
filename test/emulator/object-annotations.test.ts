// The local stack stores object annotations as S3 documents them (emulator/object_annotations.py; moto took
// these requests for GetObject/PutObject/DeleteObject of the object itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectAnnotationCommand,
  GetObjectAnnotationCommand,
  GetObjectCommand,
  ListObjectAnnotationsCommand,
  PutObjectAnnotationCommand,
  UpdateObjectEncryptionCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, s3 } from '../helpers/aws';

const annotate = (
  Bucket: string,
  Key: string,
  AnnotationName: string,
  payload: string,
  extra: { VersionId?: string; ObjectIfMatch?: string } = {},
) => s3.send(new PutObjectAnnotationCommand({ Bucket, Key, AnnotationName, AnnotationPayload: payload, ...extra }));

async function namesOf(Bucket: string, Key: string, VersionId?: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectAnnotationsCommand({ Bucket, Key, VersionId }));
  return (listed.Annotations ?? []).map((a) => `${a.AnnotationName}:${a.Size}`);
}

test('annotations are written, read, listed page by page and deleted, and leave the object as it was', async () => {
  const bucket = await createBucket('annotations');
  const { ETag } = await put(bucket, 'doc', 'the object');
  await annotate(bucket, 'doc', 'summary', 'a short text');
  await annotate(bucket, 'doc', 'labels', '["a","b"]', { ObjectIfMatch: ETag });
  await assert.rejects(annotate(bucket, 'doc', 'late', 'x', { ObjectIfMatch: '"0000"' }), {
    name: 'PreconditionFailed',
  });

  const got = await s3.send(new GetObjectAnnotationCommand({ Bucket: bucket, Key: 'doc', AnnotationName: 'summary' }));
  assert.equal(await got.AnnotationPayload?.transformToString(), 'a short text');
  assert.deepEqual(await namesOf(bucket, 'doc'), ['labels:9', 'summary:12']);
  const first = await s3.send(
    new ListObjectAnnotationsCommand({ Bucket: bucket, Key: 'doc', MaxAnnotationResults: 1 }),
  );
  assert.equal(first.AnnotationCount, 1);
  const second = await s3.send(
    new ListObjectAnnotationsCommand({
      Bucket: bucket,
      Key: 'doc',
      MaxAnnotationResults: 1,
      ContinuationToken: first.NextContinuationToken,
    }),
  );
  assert.deepEqual(
    [first, second].map((p) => p.Annotations?.[0]?.AnnotationName),
    ['labels', 'summary'],
  );
  assert.equal(second.NextContinuationToken, undefined);

  await s3.send(new DeleteObjectAnnotationCommand({ Bucket: bucket, Key: 'doc', AnnotationName: 'labels' }));
  assert.deepEqual(await namesOf(bucket, 'doc'), ['summary:12']);
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' }));
  assert.equal(await object.Body?.transformToString(), 'the object');
  await assert.rejects(namesOf(bucket, 'missing'), { name: 'NoSuchKey' });
});

test('a copy carries annotations unless told to exclude them, an update keeps them, a multipart copy has none', async () => {
  const bucket = await createBucket('annotations', { versioned: true });
  const keyArn = await createKey();
  const { VersionId: first } = await put(bucket, 'doc', 'x'.repeat(6 * 1024 * 1024), {
    ServerSideEncryption: 'AES256',
  });
  await annotate(bucket, 'doc', 'summary', 'text');

  await s3.send(
    new UpdateObjectEncryptionCommand({
      Bucket: bucket,
      Key: 'doc',
      ObjectEncryption: { SSEKMS: { KMSKeyArn: keyArn } },
    }),
  );
  assert.deepEqual(await namesOf(bucket, 'doc'), ['summary:4'], 'kept by an update in place');

  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: 'doc',
      CopySource: `${bucket}/doc`,
      MetadataDirective: 'COPY',
      StorageClass: 'STANDARD',
    }),
  );
  assert.deepEqual(await namesOf(bucket, 'doc'), ['summary:4'], 'carried by CopyObject');
  await s3.send(
    new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/doc`, AnnotationDirective: 'EXCLUDE' }),
  );
  assert.deepEqual(await namesOf(bucket, 'copy'), []);

  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'doc' }));
  const part = await s3.send(
    new UploadPartCopyCommand({ Bucket: bucket, Key: 'doc', UploadId, PartNumber: 1, CopySource: `${bucket}/doc` }),
  );
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: 'doc',
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] },
    }),
  );
  assert.deepEqual(await namesOf(bucket, 'doc'), [], 'not carried by a multipart copy');
  assert.deepEqual(await namesOf(bucket, 'doc', first), ['summary:4'], 'each version keeps its own');
});
