import { describe, it, beforeEach } from 'node:test';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectAnnotationsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import {
  abortUpload,
  completeUpload,
  copyPart,
  startUpload,
  sendKeepingExpires,
} from '../../activities/multipart-copy';
import { MIB } from '../../common/s3-limits';
import type { CopyInput, PartCopyInput } from '../../common/contract';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const input: CopyInput = {
  bucket: 'b',
  keyArn: ARN,
  bucketKeyEnabled: true,
  partSizeBytes: 5 * MIB,
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  source: {
    exists: true,
    key: 'big',
    size: 12 * MIB,
    etag: '"src"',
    storageClass: 'STANDARD_IA',
    sse: 'AES256',
    archived: false,
  },
};
const part: PartCopyInput = {
  bucket: 'b',
  key: 'big',
  uploadId: 'u1',
  etag: '"src"',
  partNumber: 2,
  range: 'bytes=5242880-10485759',
};

const s3 = new S3Client({ region: 'us-east-1' });
const mock = mockClient(s3);
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
  new MockActivityEnvironment().run(fn, ...args);
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe('multipart copy steps', () => {
  beforeEach(() => {
    mock.reset();
    mock.on(ListObjectAnnotationsCommand).resolves({ Annotations: [] });
    mock.on(HeadObjectCommand).resolves({ ETag: '"src"', ContentType: 'video/mp4', Metadata: { a: 'b' } });
  });

  it('starts the upload with every piece of metadata, the tags plus the marker, the class and the key', async () => {
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'keep', Value: '1' }] });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    assert.deepEqual(await run(startUpload, s3, input), { status: 'started', uploadId: 'u1' });
    // Headers and user metadata are read here, from the inspected version, not carried in the history.
    assert.deepEqual(mock.commandCalls(HeadObjectCommand)[0].args[0].input, {
      Bucket: 'b',
      Key: 'big',
      VersionId: undefined,
    });
    const create = mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input;
    assert.equal(create.ContentType, 'video/mp4');
    assert.deepEqual(create.Metadata, { a: 'b' });
    assert.equal(create.StorageClass, 'STANDARD_IA');
    assert.equal(create.Tagging, 'keep=1&__ObjectEncrypted=true');
    assert.equal(create.ServerSideEncryption, 'aws:kms');
    assert.equal(create.SSEKMSKeyId, ARN);
    assert.equal(create.BucketKeyEnabled, true);
  });

  it('reads the headers of the version it copies, and starts no upload once the key holds another object', async () => {
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    const versioned = { ...input, source: { ...input.source, versionId: 'v7' } };
    await run(startUpload, s3, versioned);
    assert.deepEqual(mock.commandCalls(HeadObjectCommand)[0].args[0].input, {
      Bucket: 'b',
      Key: 'big',
      VersionId: 'v7',
    });
    mock.on(HeadObjectCommand).resolves({ ETag: '"overwritten"', ContentType: 'text/plain' });
    assert.deepEqual(await run(startUpload, s3, input), { status: 'changed' });
    mock.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    assert.deepEqual(await run(startUpload, s3, input), { status: 'vanished' });
    assert.equal(mock.commandCalls(CreateMultipartUploadCommand).length, 1, 'only the first started');
  });

  it('starts no upload for an object with annotations (parts would drop them), asking about the version it copies', async () => {
    mock.on(ListObjectAnnotationsCommand).resolves({
      Annotations: [{ AnnotationName: 'summary', LastModified: new Date(), Size: 4 }],
      AnnotationCount: 1,
    });
    const versioned = { ...input, source: { ...input.source, versionId: 'v7' } };
    assert.deepEqual(await run(startUpload, s3, versioned), { status: 'annotated' });
    assert.deepEqual(mock.commandCalls(ListObjectAnnotationsCommand)[0].args[0].input, {
      Bucket: 'b',
      Key: 'big',
      VersionId: 'v7',
      MaxAnnotationResults: 1,
    });
    assert.equal(mock.commandCalls(CreateMultipartUploadCommand).length, 0);
  });

  it('starts the upload where the endpoint has no annotations at all, and fails the object where it may not ask', async () => {
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(ListObjectAnnotationsCommand).rejects(s3Error('NotImplemented', 501));
    assert.deepEqual(await run(startUpload, s3, input), { status: 'started', uploadId: 'u1' });
    mock.on(ListObjectAnnotationsCommand).rejects(s3Error('AccessDenied', 403));
    await assert.rejects(
      run(startUpload, s3, input),
      (err: ApplicationFailure) => err.nonRetryable === true && /AccessDenied/.test(err.message),
    );
  });

  it('starts the upload of an object whose tags leave no room for the marker with its own tags, and says so', async () => {
    mock
      .on(GetObjectTaggingCommand)
      .resolves({ TagSet: Array.from({ length: 10 }, (_, i) => ({ Key: `t${i}`, Value: '' })) });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    assert.deepEqual(await run(startUpload, s3, input), { status: 'started', uploadId: 'u1', unmarked: 10 });
    const sent = mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input;
    assert.equal(sent.Tagging, Array.from({ length: 10 }, (_, i) => `t${i}=`).join('&'));
  });

  it('copies one range on the condition that the source is unchanged', async () => {
    mock.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p2"' } });
    assert.equal(await run(copyPart, s3, part), 'copied');
    const sent = mock.commandCalls(UploadPartCopyCommand)[0].args[0].input;
    assert.equal(sent.CopySourceRange, part.range);
    assert.equal(sent.CopySourceIfMatch, '"src"');
    assert.equal(sent.PartNumber, 2);
    assert.equal(sent.UploadId, 'u1');
  });

  it('tells a changed source and a vanished upload apart from errors', async () => {
    mock.on(UploadPartCopyCommand).rejects(s3Error('PreconditionFailed', 412));
    assert.equal(await run(copyPart, s3, part), 'changed');
    mock.on(UploadPartCopyCommand).rejects(s3Error('NoSuchUpload', 404));
    assert.equal(await run(copyPart, s3, part), 'upload-gone');
  });

  it('fails a part non-retryably with the S3 code on a permanent error, retryably on throttling', async () => {
    mock.on(UploadPartCopyCommand).rejects(s3Error('AccessDenied', 403));
    await assert.rejects(run(copyPart, s3, part), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'AccessDenied');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    mock.on(UploadPartCopyCommand).rejects(s3Error('SlowDown', 503));
    await assert.rejects(
      run(copyPart, s3, part),
      (err: unknown) => err instanceof ApplicationFailure && !err.nonRetryable,
    );
  });

  it('completes from the parts S3 lists, in order, with If-Match on the source ETag, and verifies', async () => {
    mock.on(ListPartsCommand).resolves({
      Parts: [
        { PartNumber: 3, ETag: '"p3"' },
        { PartNumber: 1, ETag: '"p1"' },
        { PartNumber: 2, ETag: '"p2"' },
      ],
    });
    mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v2', ETag: '"new"' });
    mock
      .on(HeadObjectCommand)
      .resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 12 * MIB, ETag: '"new"' });
    const result = await run(completeUpload, s3, { ...input, uploadId: 'u1', partCount: 3 });
    assert.deepEqual(result, { status: 'copied', versionId: 'v2', bytes: 12 * MIB });
    const complete = mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    assert.equal(complete.IfMatch, '"src"');
    assert.deepEqual(
      complete.MultipartUpload?.Parts?.map((p) => p.PartNumber),
      [1, 2, 3],
    );
  });

  it("keeps the source's checksum type: a whole-object CRC stays whole-object, a composite stays composite", async () => {
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    const typeAskedFor = async (checksumAlgorithm: string, checksumType: 'FULL_OBJECT' | 'COMPOSITE') => {
      mock.resetHistory();
      const source = { ...input.source, checksumAlgorithm, checksumType } as CopyInput['source'];
      await run(startUpload, s3, { ...input, source });
      const create = mock.commandCalls(CreateMultipartUploadCommand)[0].args[0].input;
      return `${create.ChecksumAlgorithm}/${create.ChecksumType}`;
    };
    assert.equal(await typeAskedFor('CRC32', 'FULL_OBJECT'), 'CRC32/FULL_OBJECT');
    assert.equal(await typeAskedFor('CRC64NVME', 'FULL_OBJECT'), 'CRC64NVME/FULL_OBJECT');
    assert.equal(await typeAskedFor('CRC32C', 'COMPOSITE'), 'CRC32C/COMPOSITE');
    assert.equal(await typeAskedFor('SHA256', 'COMPOSITE'), 'SHA256/COMPOSITE');
    assert.equal(await typeAskedFor('XXHASH3', 'COMPOSITE'), 'XXHASH3/COMPOSITE');
  });

  it("completes with each part's checksum, whatever the algorithm, and the type it started with", async () => {
    mock.on(ListPartsCommand).resolves({
      Parts: [1, 2].map((n) => ({
        PartNumber: n,
        ETag: `"p${n}"`,
        Size: 5,
        LastModified: new Date(),
        ChecksumXXHASH128: `x${n}`,
      })),
    });
    mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"done-2"', VersionId: 'v2' });
    mock
      .on(HeadObjectCommand)
      .resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 10, ETag: '"done-2"' });
    const source = {
      ...input.source,
      size: 10,
      checksumAlgorithm: 'XXHASH128',
      checksumType: 'COMPOSITE',
    } as CopyInput['source'];
    await run(completeUpload, s3, { ...input, source, uploadId: 'u1', partCount: 2 });
    const complete = mock.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input;
    assert.deepEqual(complete.MultipartUpload?.Parts, [
      { PartNumber: 1, ETag: '"p1"', ChecksumXXHASH128: 'x1' },
      { PartNumber: 2, ETag: '"p2"', ChecksumXXHASH128: 'x2' },
    ]);
    assert.equal(complete.ChecksumType, 'COMPOSITE');
  });

  it('refuses to complete an upload that lacks a part', async () => {
    mock.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"p1"' }] });
    await assert.rejects(run(completeUpload, s3, { ...input, uploadId: 'u1', partCount: 3 }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'IncompleteUpload');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    assert.equal(mock.commandCalls(CompleteMultipartUploadCommand).length, 0);
  });

  it('reports a change when the source was overwritten (412) or the upload is gone', async () => {
    mock.on(ListPartsCommand).resolves({ Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"p${n}"` })) });
    mock.on(CompleteMultipartUploadCommand).rejects(s3Error('PreconditionFailed', 412));
    assert.deepEqual(await run(completeUpload, s3, { ...input, uploadId: 'u1', partCount: 3 }), { status: 'changed' });
    mock.on(ListPartsCommand).rejects(s3Error('NoSuchUpload', 404));
    assert.deepEqual(await run(completeUpload, s3, { ...input, uploadId: 'u1', partCount: 3 }), { status: 'changed' });
  });

  it('aborts an upload, and takes one already gone as done', async () => {
    mock.on(AbortMultipartUploadCommand).resolvesOnce({}).rejects(s3Error('NoSuchUpload', 404));
    await run(abortUpload, s3, { bucket: 'b', key: 'big', uploadId: 'u1' });
    await run(abortUpload, s3, { bucket: 'b', key: 'big', uploadId: 'u1' });
    assert.equal(mock.commandCalls(AbortMultipartUploadCommand).length, 2);
  });
});

describe("a multipart copy's Expires header on the wire", () => {
  let headers: Record<string, string> = {};
  // As the worker's client: the handler of each command class resolved once (cacheMiddleware).
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    cacheMiddleware: true,
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        headers = request.headers;
        const body = '<InitiateMultipartUploadResult><UploadId>u1</UploadId></InitiateMultipartUploadResult>';
        return { response: { statusCode: 200, headers: {}, body: Readable.from([body]) } };
      },
    },
  });
  const sentHeaders = async (expires: string | undefined): Promise<Record<string, string>> => {
    await sendKeepingExpires(client, expires, new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'k' }));
    return headers;
  };

  it('is the value HEAD read, as it was: an HTTP date, another form, or one that does not parse', async () => {
    await client.send(new CreateMultipartUploadCommand({ Bucket: 'b', Key: 'k' })); // a handler cached first
    for (const expires of ['Thu, 01 Dec 2039 16:00:00 GMT', '2039-12-01T16:00:00Z', 'never', '0']) {
      const headers = await sentHeaders(expires);
      assert.equal(headers.expires, expires);
      assert.match(headers.authorization ?? '', /SignedHeaders=[^,]*\bexpires\b/, 'set before signing, and signed');
    }
    assert.equal((await sentHeaders(undefined)).expires, undefined, 'none where the object has none');
  });
});
