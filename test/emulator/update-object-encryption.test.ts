// The local stack's UpdateObjectEncryption (emulator/update_object_encryption.py), driven by the AWS SDK the
// product uses: request and response shapes, what changes (encryption, key, Bucket Key) and what must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  PutObjectTaggingCommand,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { createBucket, createKey, put, readObject, s3, uniqueBucketName } from '../helpers/aws';

function update(bucket: string, key: string, keyArn: string, extra: { versionId?: string; bucketKey?: boolean } = {}) {
  return s3.send(
    new UpdateObjectEncryptionCommand({
      Bucket: bucket,
      Key: key,
      VersionId: extra.versionId,
      ObjectEncryption: { SSEKMS: { KMSKeyArn: keyArn, BucketKeyEnabled: extra.bucketKey } },
    }),
  );
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  assert.fail('the request was accepted');
}

test('an SSE-S3 object is re-encrypted in place: only its encryption changes', async () => {
  const bucket = await createBucket('uoe-basic');
  const keyArn = await createKey();
  await put(bucket, 'a b+c.txt', 'hello', {
    ServerSideEncryption: 'AES256',
    ContentType: 'text/plain',
    CacheControl: 'max-age=60',
    Metadata: { owner: 'ops' },
    StorageClass: 'STANDARD_IA',
  });
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: 'a b+c.txt',
      Tagging: { TagSet: [{ Key: 'team', Value: 'x' }] },
    }),
  );
  const before = await readObject(bucket, 'a b+c.txt');

  const out = await update(bucket, 'a b+c.txt', keyArn, { bucketKey: true });
  assert.equal(out.$metadata.httpStatusCode, 200);

  const after = await readObject(bucket, 'a b+c.txt');
  assert.equal(after.sse, 'aws:kms');
  assert.equal(after.keyArn, keyArn);
  const { sse: _s, keyArn: _k, ...kept } = after;
  const { sse: _s0, keyArn: _k0, ...keptBefore } = before;
  assert.deepEqual(kept, keptBefore); // ETag, last-modified, metadata, class, tags, content
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a b+c.txt' }));
  assert.equal(head.BucketKeyEnabled, true);
});

test('an object under another KMS key moves to the requested key', async () => {
  const bucket = await createBucket('uoe-rekey');
  const [oldKey, newKey] = [await createKey(), await createKey()];
  await put(bucket, 'k', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: oldKey });
  await update(bucket, 'k', newKey);
  const after = await readObject(bucket, 'k');
  assert.equal(after.keyArn, newKey);
});

test('a version ID selects the version: others untouched, no version added', async () => {
  const bucket = await createBucket('uoe-versions', { versioned: true });
  const keyArn = await createKey();
  const v1 = (await put(bucket, 'k', 'one', { ServerSideEncryption: 'AES256' })).VersionId!;
  const v2 = (await put(bucket, 'k', 'two', { ServerSideEncryption: 'AES256' })).VersionId!;

  await update(bucket, 'k', keyArn, { versionId: v1 });

  const old = await readObject(bucket, 'k', v1);
  const current = await readObject(bucket, 'k');
  assert.equal(old.keyArn, keyArn);
  assert.equal(old.versionId, v1);
  assert.equal(current.versionId, v2);
  assert.equal(current.sse, 'AES256');
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  assert.deepEqual(versions.Versions?.map((v) => v.VersionId).sort(), [v1, v2].sort());

  const missing = await refusal(update(bucket, 'k', keyArn, { versionId: 'no-such-version' }));
  assert.equal(missing.code, 'NoSuchVersion');
  assert.equal(missing.status, 404);
});

test('sources the operation does not support are refused with InvalidRequest and left as they were', async () => {
  const bucket = await createBucket('uoe-refused');
  const keyArn = await createKey();
  await put(bucket, 'plain', 'p');
  await put(bucket, 'dsse', 'd', { ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: keyArn });
  const plainBefore = await readObject(bucket, 'plain');

  const plain = await refusal(update(bucket, 'plain', keyArn));
  assert.equal(plain.code, 'InvalidRequest');
  assert.equal(plain.status, 400);
  assert.match(plain.message, /unencrypted source objects/);
  assert.deepEqual(await readObject(bucket, 'plain'), plainBefore);

  const dsse = await refusal(update(bucket, 'dsse', keyArn));
  assert.equal(dsse.code, 'InvalidRequest');
  assert.match(dsse.message, /DSSE-KMS or SSE-C/);

  const gone = await refusal(update(bucket, 'no-such-object', keyArn));
  assert.equal(gone.code, 'NoSuchKey');
  assert.equal(gone.status, 404);
});

test('keys S3 cannot use are refused: unknown, disabled, another account, not an ARN', async () => {
  const bucket = await createBucket('uoe-keys');
  await put(bucket, 'k', 'x', { ServerSideEncryption: 'AES256' });
  const disabled = await createKey({ disabled: true });
  const enabled = await createKey();
  const [, , , region, account] = enabled.split(':');

  const unknown = await refusal(
    update(bucket, 'k', `arn:aws:kms:${region}:${account}:key/00000000-0000-0000-0000-000000000000`),
  );
  assert.equal(unknown.code, 'KMS.NotFoundException');
  const off = await refusal(update(bucket, 'k', disabled));
  assert.equal(off.code, 'KMS.DisabledException');
  const foreign = await refusal(update(bucket, 'k', enabled.replace(`:${account}:`, ':210987654321:')));
  assert.equal(foreign.code, 'AccessDenied');
  assert.equal(foreign.status, 403);
  const alias = await refusal(update(bucket, 'k', 'alias/not-an-arn'));
  assert.equal(alias.code, 'InvalidRequest');

  assert.equal((await readObject(bucket, 'k')).sse, 'AES256');
});

test('an archived object is updated where it lies, and its tags stay readable and writable', async () => {
  const bucket = await createBucket('uoe-glacier');
  const keyArn = await createKey();
  await put(bucket, 'cold', 'c', { ServerSideEncryption: 'AES256', StorageClass: 'GLACIER' });
  await update(bucket, 'cold', keyArn);
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'cold' }));
  assert.equal(head.SSEKMSKeyId, keyArn);
  assert.equal(head.StorageClass, 'GLACIER');
  assert.equal(head.Restore, undefined, 'not restored');
  await s3.send(
    new PutObjectTaggingCommand({ Bucket: bucket, Key: 'cold', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }),
  );
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'cold' }));
  assert.deepEqual(tags.TagSet, [{ Key: 'a', Value: 'b' }]);
});

test('an object under a legal hold is refused with AccessDenied', async () => {
  const bucket = uniqueBucketName('uoe-lock');
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
  const keyArn = await createKey();
  await put(bucket, 'held', 'h', { ServerSideEncryption: 'AES256' });
  await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'held', LegalHold: { Status: 'ON' } }));
  const held = await refusal(update(bucket, 'held', keyArn));
  assert.equal(held.code, 'AccessDenied');
  assert.match(held.message, /Object Lock/);
  assert.equal((await readObject(bucket, 'held')).sse, 'AES256');
});
