import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { CopyObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { copyObjects } from '../../activities/copy-object';
import { packBatches } from '../../workflows/migrate-page';
import type { CopyInput } from '../../common/contract';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k';
const copyOf = (key: string, size = 3): CopyInput => ({
  bucket: 'b',
  keyArn: ARN,
  bucketKeyEnabled: false,
  partSizeBytes: 5 * 1024 * 1024,
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  source: { exists: true, key, size, etag: `"${key}"`, storageClass: 'STANDARD', archived: false },
});
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode } });

describe('copyObjects, single copies in a batch', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('gives each object its outcome: copied, changed meanwhile, failed with the step, another writer got in, not verified', async () => {
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(CopyObjectCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'changed') throw s3Error('PreconditionFailed', 412);
      if (input.Key === 'denied') throw s3Error('AccessDenied', 403);
      return { VersionId: 'v', CopyObjectResult: { ETag: '"new"' } };
    });
    mock
      .on(HeadObjectCommand, { Key: 'ok' })
      .resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
    // An endpoint that ignores the copy's conditions copies a concurrent overwrite: another length, decide again.
    mock
      .on(HeadObjectCommand, { Key: 'short' })
      .resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 1 });
    mock
      .on(HeadObjectCommand, { Key: 'wrong-key' })
      .resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: `${ARN}-other`, ContentLength: 3 });
    const outcomes = (await new MockActivityEnvironment().run(copyObjects, s3, {
      copies: [copyOf('ok'), copyOf('changed'), copyOf('denied'), copyOf('short'), copyOf('wrong-key')],
      kmsCosts: [1, 1, 1, 1, 1],
    })) as Awaited<ReturnType<typeof copyObjects>>;
    assert.deepEqual(outcomes[0], { status: 'copied', versionId: 'v', bytes: 3 });
    assert.deepEqual(outcomes[1], { status: 'changed' });
    assert.deepEqual(outcomes[2], {
      status: 'failed',
      code: 'AccessDenied',
      message: 'copy denied: AccessDenied (HTTP 403): AccessDenied message',
    });
    assert.deepEqual(outcomes[3], { status: 'changed' });
    assert.equal(outcomes[4]?.status, 'failed');
    assert.equal(
      outcomes[4]?.status === 'failed' && outcomes[4].code,
      'VerificationFailed',
      'a copy under the wrong key is not retried',
    );
  });
});

describe('a copy of an object with 10 tags', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('re-encrypts it with its own tags, without the marker (S3 allows 10), and says so', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ Key: `t${i}`, Value: `${i}` }));
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: ten });
    mock.on(CopyObjectCommand).resolves({ VersionId: 'v', CopyObjectResult: { ETag: '"new"' } });
    mock.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
    const outcomes = (await new MockActivityEnvironment().run(copyObjects, s3, {
      copies: [copyOf('full')],
      kmsCosts: [1],
    })) as Awaited<ReturnType<typeof copyObjects>>;
    assert.deepEqual(outcomes[0], { status: 'copied', versionId: 'v', bytes: 3, unmarked: 10 });
    const sent = mock.commandCalls(CopyObjectCommand)[0].args[0].input;
    assert.equal(sent.Tagging, ten.map((t) => `${t.Key}=${t.Value}`).join('&'));
    assert.equal(sent.SSEKMSKeyId, ARN);
  });
});

describe('copyObjects within the weight in force', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('copies the first objects the weight pays for and leaves the rest undone (null)', async () => {
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    mock.on(CopyObjectCommand).resolves({ VersionId: 'v', CopyObjectResult: { ETag: '"new"' } });
    mock.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
    const copies = ['a', 'b', 'c'].map((key) => copyOf(key));
    const outcomes = (await new MockActivityEnvironment().run(
      copyObjects,
      s3,
      { copies, kmsCosts: [2, 2, 1] },
      3,
    )) as Awaited<ReturnType<typeof copyObjects>>;
    assert.deepEqual(
      outcomes.map((o) => o?.status ?? null),
      ['copied', null, null],
    );
    assert.deepEqual(
      mock.commandCalls(CopyObjectCommand).map((c) => c.args[0].input.Key),
      ['a'],
    );
  });
});

describe('packing objects into batches', () => {
  const items = (costs: number[], bytes = 0) => costs.map((cost, i) => ({ i, cost, bytes }));
  const shape = (batches: { i: number }[][]) => batches.map((b) => b.map((x) => x.i));
  it('fills each batch up to the task weight in KMS requests', () => {
    assert.deepEqual(shape(packBatches(items([1, 1, 1, 1, 1]), 2, { objects: 100 })), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(shape(packBatches(items([2, 1, 2, 0, 0]), 3, { objects: 100 })), [
      [0, 1],
      [2, 3, 4],
    ]);
  });
  it('puts an object that costs more than the weight alone in its batch', () => {
    assert.deepEqual(shape(packBatches(items([1, 2, 1]), 1, { objects: 100 })), [[0], [1], [2]]);
  });
  it('takes at most the objects, bytes of data and bytes of input it is given', () => {
    assert.deepEqual(
      packBatches(items(new Array(250).fill(0)), 100, { objects: 100 }).map((b) => b.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      packBatches(items(new Array(600).fill(1)), 250, { objects: 250 }).map((b) => b.length),
      [250, 250, 100],
    );
    assert.deepEqual(shape(packBatches(items([1, 1, 1, 1], 400), 100, { objects: 100, bytes: 1000 })), [
      [0, 1],
      [2, 3],
    ]);
    assert.deepEqual(
      shape(packBatches(items([1], 5000), 100, { objects: 100, bytes: 1000 })),
      [[0]],
      'a larger object alone',
    );
    const withPayload = [300, 300, 300, 900, 100].map((payload, i) => ({ i, cost: 1, payload }));
    assert.deepEqual(shape(packBatches(withPayload, 100, { objects: 100, payload: 700 })), [[0, 1], [2], [3], [4]]);
  });
});

describe('a copy whose result was lost with its worker', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => {
    mock.reset();
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: '__ObjectEncrypted', Value: 'true' }] });
    mock.on(CopyObjectCommand).rejects(s3Error('PreconditionFailed', 412)); // the source is our copy now
    mock.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN, ContentLength: 3 });
  });

  it('is counted as copied when a retry finds it in place (under the key, same length, the marker)', async () => {
    const outcomes = await new MockActivityEnvironment({ attempt: 2 }).run(copyObjects, s3, {
      copies: [copyOf('ok')],
      kmsCosts: [1],
    });
    assert.deepEqual(outcomes, [{ status: 'copied', bytes: 3 }]);
  });

  it('is "changed" on a first attempt, and when what is there is not our copy', async () => {
    assert.deepEqual(
      await new MockActivityEnvironment({ attempt: 1 }).run(copyObjects, s3, { copies: [copyOf('ok')], kmsCosts: [1] }),
      [{ status: 'changed' }],
    );
    mock.on(HeadObjectCommand).resolves({ ServerSideEncryption: 'AES256', ContentLength: 3 });
    assert.deepEqual(
      await new MockActivityEnvironment({ attempt: 3 }).run(copyObjects, s3, { copies: [copyOf('ok')], kmsCosts: [1] }),
      [{ status: 'changed' }],
    );
  });
});
