import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { multipartCopy, type MultipartHeartbeat } from '../../activities/multipart-copy';
import { MIB, type CopyInput, type CopyResult } from '../../common/types';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const input: CopyInput = {
  bucket: 'b',
  keyArn: ARN,
  bucketKeyEnabled: true,
  partSizeBytes: 5 * MIB,
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  source: {
    exists: true, key: 'big', size: 12 * MIB, etag: '"src"', storageClass: 'STANDARD_IA', sse: 'AES256', archived: false,
    headers: { ContentType: 'video/mp4', Metadata: { a: 'b' } },
  },
};

const s3 = new S3Client({ region: 'us-east-1' });
const mock = mockClient(s3);

function completes() {
  mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'keep', Value: '1' }] });
  mock.on(UploadPartCopyCommand).callsFake((i) => ({ CopyPartResult: { ETag: `"p${i.PartNumber}"` } }));
  mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v2', ETag: '"new"' });
  mock.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 12 * MIB });
}

describe('multipart copy', () => {
  beforeEach(() => mock.reset());

  it('creates the upload with every piece of metadata, copies each range with the source condition, completes with If-Match', async () => {
    completes();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    const result = await new MockActivityEnvironment().run(multipartCopy, s3, input);
    assert.deepEqual(result, { status: 'copied', versionId: 'v2', bytes: 12 * MIB });

    const create = mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input;
    assert.equal(create.ContentType, 'video/mp4');
    assert.deepEqual(create.Metadata, { a: 'b' });
    assert.equal(create.StorageClass, 'STANDARD_IA');
    assert.equal(create.Tagging, 'keep=1&__ObjectEncrypted=true');
    assert.equal(create.SSEKMSKeyId, ARN);
    assert.equal(create.BucketKeyEnabled, true);
    const parts = mock.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
    assert.deepEqual(parts.map((p) => p.CopySourceRange).sort(), [
      `bytes=0-${5 * MIB - 1}`, `bytes=${10 * MIB}-${12 * MIB - 1}`, `bytes=${5 * MIB}-${10 * MIB - 1}`,
    ]);
    assert.ok(parts.every((p) => p.CopySourceIfMatch === '"src"'));
    const complete = mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    assert.equal(complete.IfMatch, '"src"');
    assert.deepEqual(complete.MultipartUpload?.Parts?.map((p) => p.PartNumber), [1, 2, 3]);
  });

  it('resumes the upload a previous attempt heartbeated, copying only the missing parts', async () => {
    completes();
    mock.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"p1"' }, { PartNumber: 3, ETag: '"p3"' }] });
    const previous: MultipartHeartbeat = { uploadId: 'u-old', etag: '"src"' };
    const env = new MockActivityEnvironment({ heartbeatDetails: previous });
    const result: CopyResult = await env.run(multipartCopy, s3, input);
    assert.equal(result.status, 'copied');
    assert.equal(mock.commandCalls(CreateMultipartUploadCommand).length, 0, 'no new upload');
    assert.deepEqual(mock.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input.PartNumber), [2]);
    assert.equal(mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.UploadId, 'u-old');
  });

  it('aborts the upload on a permanent failure and fails non-retryably with the S3 code', async () => {
    completes();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCopyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    mock.on(AbortMultipartUploadCommand).resolves({});
    await assert.rejects(new MockActivityEnvironment().run(multipartCopy, s3, input), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'AccessDenied');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    assert.equal(mock.commandCalls(AbortMultipartUploadCommand)[0].args[0].input.UploadId, 'u1');
  });

  it('keeps the upload for the retry on a throttling error', async () => {
    completes();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCopyCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    await assert.rejects(new MockActivityEnvironment().run(multipartCopy, s3, input), /slow down/);
    assert.equal(mock.commandCalls(AbortMultipartUploadCommand).length, 0);
  });

  it('aborts and reports a change when the source was overwritten (412)', async () => {
    completes();
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(CompleteMultipartUploadCommand).rejects(Object.assign(new Error('precondition'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }));
    const result = await new MockActivityEnvironment().run(multipartCopy, s3, input);
    assert.deepEqual(result, { status: 'changed' });
    assert.equal(mock.commandCalls(AbortMultipartUploadCommand).length, 1);
  });
});
