// The exact UpdateObjectEncryption request (the local stack's emulator is this project's own extension, so
// the wire format is pinned here against the SDK), and the batch activity's outcomes, heartbeats and retries.
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { updateObjects, updateRequest } from '../../activities/update-objects';
import { inspectObject } from '../../activities/inspect-object';
import type { BatchItem, BatchOutcome, UpdateObjectsInput } from '../../common/contract';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** Items cost a KMS request each where they are updated, unless they say otherwise. */
const batch = (items: (Omit<BatchItem, 'kmsCost'> & { kmsCost?: number })[]): UpdateObjectsInput => ({
  bucket: 'b',
  keyArn: ARN,
  bucketKeyEnabled: true,
  tagKey: '__ObjectEncrypted',
  tagValue: 'true',
  items: items.map((item) => ({ ...item, kmsCost: item.kmsCost ?? (item.update ? 1 : 0) })),
});
const run = (env: MockActivityEnvironment, ...args: Parameters<typeof updateObjects>) =>
  env.run(updateObjects, ...args) as Promise<(BatchOutcome | null)[]>;
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode } });

describe('the UpdateObjectEncryption request on the wire', () => {
  it('is PUT /{key}?encryption (&versionId) with an ObjectEncryption/SSE-KMS body', async () => {
    let sent: { method: string; path: string; query: Record<string, unknown>; body: unknown } | undefined;
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: {
        handle: async (request: NonNullable<typeof sent>) => {
          sent = request;
          return { response: { statusCode: 200, headers: {}, body: Readable.from([]) } };
        },
      },
    });
    await s3.send(updateRequest(batch([]), { key: 'a b/c+d', versionId: 'v1', update: true, kmsCost: 1 }));
    assert.ok(sent);
    assert.equal(sent.method, 'PUT');
    assert.equal(sent.path, '/b/a%20b/c%2Bd');
    assert.deepEqual(Object.keys(sent.query).sort(), ['encryption', 'versionId']);
    assert.equal(sent.query.versionId, 'v1');
    const body = String(sent.body);
    assert.match(
      body,
      /^(<\?xml version="1.0" encoding="UTF-8"\?>)?<ObjectEncryption xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><SSE-KMS>/,
    );
    assert.match(
      body,
      new RegExp(
        `<KMSKeyArn>${ARN}</KMSKeyArn><BucketKeyEnabled>true</BucketKeyEnabled></SSE-KMS></ObjectEncryption>$`,
      ),
    );
  });
});

describe('updateObjects, the batch activity', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('updates, then merges the marker into that version, reading tags only where there are some', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'own', Value: 'x' }] });
    mock.on(PutObjectTaggingCommand).resolves({});
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([
        { key: 'untagged', versionId: 'v1', tagCount: 0, update: true },
        { key: 'tagged', update: true },
        { key: 'done', tagCount: 1, update: false },
      ]),
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status),
      ['updated', 'updated', 'tagged'],
    );
    const updates = mock.commandCalls(UpdateObjectEncryptionCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      updates.map((u) => u.Key).sort(),
      ['tagged', 'untagged'],
      'no update for an object only to be tagged',
    );
    assert.deepEqual(
      updates.find((u) => u.Key === 'untagged'),
      {
        Bucket: 'b',
        Key: 'untagged',
        VersionId: 'v1',
        ObjectEncryption: { SSEKMS: { KMSKeyArn: ARN, BucketKeyEnabled: true } },
      },
    );
    assert.deepEqual(
      mock
        .commandCalls(GetObjectTaggingCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
      ['done', 'tagged'],
    );
    const puts = Object.fromEntries(
      mock.commandCalls(PutObjectTaggingCommand).map((c) => [c.args[0].input.Key, c.args[0].input]),
    );
    assert.deepEqual(puts.untagged.Tagging?.TagSet, [{ Key: '__ObjectEncrypted', Value: 'true' }]);
    assert.equal(puts.untagged.VersionId, 'v1', 'the version that was updated');
    assert.deepEqual(puts.tagged.Tagging?.TagSet, [
      { Key: 'own', Value: 'x' },
      { Key: '__ObjectEncrypted', Value: 'true' },
    ]);
  });

  it('reads the tags of an object known only from its inventory row before updating it, and leaves one already marked to be looked at again', async () => {
    mock.on(PutObjectTaggingCommand).resolves({});
    mock
      .on(GetObjectTaggingCommand, { Key: 'migrated-since' })
      .resolves({ TagSet: [{ Key: '__ObjectEncrypted', Value: 'true' }] });
    mock.on(GetObjectTaggingCommand, { Key: 'deleted-since' }).rejects(s3Error('NoSuchKey', 404));
    const sent: string[] = [];
    mock.on(UpdateObjectEncryptionCommand).callsFake((input) => void sent.push(`update ${input.Key}`));
    mock
      .on(GetObjectTaggingCommand, { Key: 'fresh' })
      .callsFake((input) => (sent.push(`tags ${input.Key}`), { TagSet: [{ Key: 'own', Value: 'x' }] }));
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([
        { key: 'fresh', versionId: 'v1', update: true, fromRow: true },
        { key: 'migrated-since', versionId: 'v2', update: true, fromRow: true },
        { key: 'deleted-since', versionId: 'v3', update: true, fromRow: true },
      ]),
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status),
      ['updated', 'changed', 'vanished'],
    );
    assert.deepEqual(sent, ['tags fresh', 'update fresh'], 'the tags first, once; the update after them');
    assert.deepEqual(
      mock.commandCalls(UpdateObjectEncryptionCommand).map((c) => c.args[0].input.Key),
      ['fresh'],
      'no update of an object a run since the inventory marked, nor of one deleted since',
    );
    assert.deepEqual(
      mock.commandCalls(GetObjectTaggingCommand).map((c) => c.args[0].input.VersionId),
      ['v1', 'v2', 'v3'],
      "each row's own version, read once",
    );
    const puts = mock.commandCalls(PutObjectTaggingCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      puts.map((p) => [p.Key, p.VersionId, p.Tagging?.TagSet]),
      [
        [
          'fresh',
          'v1',
          [
            { Key: 'own', Value: 'x' },
            { Key: '__ObjectEncrypted', Value: 'true' },
          ],
        ],
      ],
    );
  });

  it('where there is no version to tag, confirms the object is still the one inspected, under the key; else "changed"', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    mock
      .on(HeadObjectCommand, { Key: 'same' })
      .resolves({ ETag: '"e1"', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN });
    mock.on(HeadObjectCommand, { Key: 'replaced', IfMatch: '"e1"' }).rejects(s3Error('PreconditionFailed', 412));
    mock
      .on(HeadObjectCommand, { Key: 'replaced', IfMatch: undefined })
      .resolves({ ETag: '"e2"', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN });
    // An endpoint that ignores If-Match (moto): the ETag itself tells.
    mock.on(HeadObjectCommand, { Key: 'replaced-quietly' }).resolves({ ETag: '"e2"', ServerSideEncryption: 'AES256' });
    mock.on(HeadObjectCommand, { Key: 'gone' }).rejects(s3Error('NotFound', 404));
    mock.on(GetObjectTaggingCommand).resolves({ TagSet: [] });
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([
        { key: 'same', tagCount: 0, update: true, etag: '"e1"' },
        { key: 'replaced', tagCount: 0, update: true, etag: '"e1"' },
        { key: 'replaced-quietly', tagCount: 0, update: false, etag: '"e1"' },
        { key: 'gone', tagCount: 0, update: true, etag: '"e1"' },
        { key: 'versioned', versionId: 'v7', tagCount: 0, update: true, etag: '"e1"' },
      ]),
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status),
      ['updated', 'changed', 'changed', 'changed', 'updated'],
    );
    const heads = mock
      .commandCalls(HeadObjectCommand)
      .map((c) => c.args[0].input)
      .filter((h) => h.IfMatch !== undefined);
    assert.deepEqual(
      heads.map((h) => h.Key).sort(),
      ['gone', 'replaced', 'replaced-quietly', 'same'],
      'a tagged version needs no check',
    );
    assert.ok(heads.every((h) => h.IfMatch === '"e1"' && h.VersionId === undefined));
  });

  it('takes the marker off again when the object was replaced between the update and the tag by one not under the key', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    mock.on(HeadObjectCommand, { IfMatch: '"e1"' }).rejects(s3Error('PreconditionFailed', 412));
    mock.on(HeadObjectCommand, { IfMatch: undefined }).resolves({ ETag: '"newer"', ServerSideEncryption: 'AES256' });
    mock
      .on(GetObjectTaggingCommand)
      .resolvesOnce({ TagSet: [{ Key: 'app', Value: '1' }] }) // the object we updated
      .resolves({
        TagSet: [
          { Key: 'app', Value: '1' },
          { Key: '__ObjectEncrypted', Value: 'true' },
        ],
      }); // the newer one, with our marker
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([{ key: 'k', tagCount: 1, update: true, etag: '"e1"' }]),
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status),
      ['changed'],
      'decided again from the newer object',
    );
    const puts = mock.commandCalls(PutObjectTaggingCommand).map((c) => c.args[0].input.Tagging?.TagSet);
    assert.equal(puts.length, 2, 'the marker, then the marker withdrawn');
    assert.deepEqual(puts[1], [{ Key: 'app', Value: '1' }], "the newer object's own tags kept");
  });

  it('checks a null version (written while versioning was off or suspended) by its own ID, never against the current object', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    mock
      .on(HeadObjectCommand, { Key: 'old', VersionId: 'null' })
      .resolves({ ETag: '"e1"', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ARN });
    mock
      .on(HeadObjectCommand, { Key: 'old', VersionId: undefined })
      .resolves({ ETag: '"current"', VersionId: 'v9', ServerSideEncryption: 'AES256' });
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([{ key: 'old', versionId: 'null', tagCount: 0, update: true, etag: '"e1"' }]),
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status),
      ['updated'],
    );
    assert.equal(mock.commandCalls(UpdateObjectEncryptionCommand)[0].args[0].input.VersionId, 'null');
    assert.equal(mock.commandCalls(PutObjectTaggingCommand)[0].args[0].input.VersionId, 'null');
    const heads = mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      heads.map((h) => [h.VersionId, h.IfMatch]),
      [['null', '"e1"']],
    );
  });

  it('HEAD of a version asked for by ID keeps that ID, also where S3 leaves it out of the answer', async () => {
    mock.on(HeadObjectCommand).resolves({ ETag: '"e1"', ServerSideEncryption: 'AES256', ContentLength: 1 });
    const look = await inspectObject(s3, { bucket: 'b', key: 'old', versionId: 'null' });
    assert.ok(look.exists);
    assert.equal(look.versionId, 'null');
  });

  it('reports refusals (copied instead), vanished objects and permanent errors per object, tagging none of them', async () => {
    mock.on(UpdateObjectEncryptionCommand, { Key: 'plain' }).rejects(s3Error('InvalidRequest', 400));
    mock.on(UpdateObjectEncryptionCommand, { Key: 'gone' }).rejects(s3Error('NoSuchKey', 404));
    mock.on(UpdateObjectEncryptionCommand, { Key: 'denied' }).resolves({});
    mock.on(GetObjectTaggingCommand).rejects(s3Error('AccessDenied', 403));
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([
        { key: 'plain', update: true },
        { key: 'gone', update: true },
        { key: 'denied', update: true },
      ]),
    );
    assert.equal(outcomes[0]?.status, 'refused');
    assert.equal(outcomes[1]?.status, 'vanished');
    assert.deepEqual(outcomes[2], {
      status: 'failed',
      code: 'AccessDenied',
      message: 'tag denied: AccessDenied (HTTP 403): AccessDenied message',
    });
    assert.equal(mock.commandCalls(PutObjectTaggingCommand).length, 0);
  });

  it('on a retryable error finishes the others, heartbeats their outcomes, and a retry does only the rest', async () => {
    let throttled = true;
    mock.on(UpdateObjectEncryptionCommand).callsFake((input: { Key: string }) => {
      if (input.Key === 'slow' && throttled) throw s3Error('SlowDown', 503);
      return {};
    });
    mock.on(PutObjectTaggingCommand).resolves({});
    const items = [
      { key: 'a', tagCount: 0, update: true },
      { key: 'slow', tagCount: 0, update: true },
      { key: 'b', tagCount: 0, update: true },
    ];
    const env = new MockActivityEnvironment();
    let details: (BatchOutcome | null)[] = [];
    env.on('heartbeat', (d: (BatchOutcome | null)[]) => (details = d));
    await assert.rejects(run(env, s3, batch(items)), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'SlowDown');
      assert.equal(err.nonRetryable, false);
      return true;
    });
    assert.deepEqual(
      details.map((d) => d?.status ?? null),
      ['updated', null, 'updated'],
    );

    throttled = false;
    mock.resetHistory();
    const retried = await run(new MockActivityEnvironment({ heartbeatDetails: details }), s3, batch(items));
    assert.deepEqual(
      retried.map((o) => o?.status),
      ['updated', 'updated', 'updated'],
    );
    assert.deepEqual(
      mock.commandCalls(UpdateObjectEncryptionCommand).map((c) => c.args[0].input.Key),
      ['slow'],
      'nothing updated twice',
    );
  });
});

describe('updateObjects within the weight in force', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());

  it('does the first objects the weight pays for and leaves the rest undone (null), tags included in order', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    const items = batch([
      { key: 'kms-1', tagCount: 0, update: true, kmsCost: 2 },
      { key: 'tag-only', tagCount: 0, update: false },
      { key: 's3-1', tagCount: 0, update: true },
      { key: 's3-2', tagCount: 0, update: true },
    ]);
    const outcomes = await run(new MockActivityEnvironment(), s3, items, 3);
    assert.deepEqual(
      outcomes.map((o) => o?.status ?? null),
      ['updated', 'tagged', 'updated', null],
    );
    assert.deepEqual(
      mock
        .commandCalls(UpdateObjectEncryptionCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
      ['kms-1', 's3-1'],
    );
  });

  it('does at least the first object, whatever it costs', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    const outcomes = await run(
      new MockActivityEnvironment(),
      s3,
      batch([
        { key: 'kms-1', tagCount: 0, update: true, kmsCost: 2 },
        { key: 'b', tagCount: 0, update: true },
      ]),
      1,
    );
    assert.deepEqual(
      outcomes.map((o) => o?.status ?? null),
      ['updated', null],
    );
  });

  it('counts the allowance of a retry from the objects an earlier attempt left', async () => {
    mock.on(UpdateObjectEncryptionCommand).resolves({});
    mock.on(PutObjectTaggingCommand).resolves({});
    const items = batch(['a', 'b', 'c', 'd'].map((key) => ({ key, tagCount: 0, update: true })));
    const env = new MockActivityEnvironment({ heartbeatDetails: [{ status: 'updated' }, null, null, null] });
    const outcomes = await run(env, s3, items, 2);
    assert.deepEqual(
      outcomes.map((o) => o?.status ?? null),
      ['updated', 'updated', 'updated', null],
    );
    assert.deepEqual(
      mock
        .commandCalls(UpdateObjectEncryptionCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
      ['b', 'c'],
    );
  });
});

describe('the first look', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  it('HEADs without ChecksumMode: on an object under KMS that would cost a kms:Decrypt outside the budget', async () => {
    mock.on(HeadObjectCommand).resolves({ ETag: '"e"', ContentLength: 1, TagCount: 2 });
    const look = await inspectObject(s3, { bucket: 'b', key: 'k' });
    assert.equal(mock.commandCalls(HeadObjectCommand)[0].args[0].input.ChecksumMode, undefined);
    assert.ok(look.exists && look.tagCount === 2);
  });
});

describe('a HEAD answering 400', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  beforeEach(() => mock.reset());
  const look = () =>
    new MockActivityEnvironment().run(inspectObject, s3, { bucket: 'b', key: 'k' }) as ReturnType<typeof inspectObject>;
  // A HEAD has no body: S3's 400 for an SSE-C object, an expired token or a malformed header look the same.
  const bare400 = () =>
    Object.assign(new Error('UnknownError'), { name: 'BadRequest', $metadata: { httpStatusCode: 400 } });

  it('is SSE-C only when a GET of the first byte says so (InvalidRequest, stored with Server Side Encryption)', async () => {
    mock.on(HeadObjectCommand).rejects(bare400());
    mock.on(GetObjectCommand).rejects(
      Object.assign(s3Error('InvalidRequest', 400), {
        message:
          'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to ' +
          'retrieve the object.',
      }),
    );
    const snapshot = await look();
    assert.ok(snapshot.exists && snapshot.sseCustomerAlgorithm);
    assert.equal(mock.commandCalls(GetObjectCommand)[0].args[0].input.Range, 'bytes=0-0');
  });

  it('fails the object with the code S3 gives the GET when it is not SSE-C: an expired token is never taken for SSE-C', async () => {
    mock.on(HeadObjectCommand).rejects(bare400());
    mock.on(GetObjectCommand).rejects(s3Error('ExpiredToken', 400));
    await assert.rejects(
      look(),
      (err: ApplicationFailure) => err.type === 'ExpiredToken' && err.nonRetryable && /ExpiredToken/.test(err.message),
    );
  });

  it('fails it, named, when the GET succeeds: the 400 was not SSE-C', async () => {
    mock.on(HeadObjectCommand).rejects(bare400());
    mock.on(GetObjectCommand).resolves({ Body: Readable.from(['x']) as never });
    await assert.rejects(
      look(),
      (err: ApplicationFailure) => err.type === 'BadRequest' && err.nonRetryable && /not SSE-C/.test(err.message),
    );
  });
});
