import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createBucket, createKey, put, readObject, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';

const TEN_TAGS = Array.from({ length: 10 }, (_, i) => `t${i}=v${i}`).join('&');
const s3ErrorBody = (code: string, message: string) => ({
  status: 400,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});
const SSE_C_REFUSED = s3ErrorBody(
  'InvalidRequest',
  'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve ' +
    'the object.',
);
const EXPIRED_TOKEN = s3ErrorBody('ExpiredToken', 'The provided token has expired.');

describe('objects in every starting state', () => {
  let proxied: ProxiedWorker;
  let keyArn: string;
  let otherKeyArn: string;
  before(async () => {
    // moto stores SSE-C objects as plain ones; real S3 answers a HEAD without the customer key with a bare 400
    // (a HEAD has no body), and a GET with InvalidRequest, saying why. An expired token answers 400 too.
    proxied = await startProxiedWorker((req) => {
      const path = req.url?.split('?')[0] ?? '';
      if (req.headers['x-amz-server-side-encryption-customer-algorithm']) return undefined;
      if (path.endsWith('/customer-key'))
        return req.method === 'HEAD' ? { status: 400 } : req.method === 'GET' ? SSE_C_REFUSED : undefined;
      if (path.endsWith('/expired-token'))
        return req.method === 'HEAD' ? { status: 400 } : req.method === 'GET' ? EXPIRED_TOKEN : undefined;
      return undefined;
    });
    keyArn = await createKey();
    otherKeyArn = await createKey();
  });
  after(async () => {
    await proxied.stop();
  });

  it('re-encrypts other keys, tags the already-done, skips and reports what it must not touch', async () => {
    const bucket = await createBucket('mixed');
    const sseCKey = randomBytes(32);
    await put(bucket, 'other-key', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: otherKeyArn });
    await put(bucket, 'target-key-untagged', 'y', {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: keyArn,
      Tagging: 'own=tag',
    });
    await put(bucket, 'target-key-tagged', 'z', {
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: keyArn,
      Tagging: '__ObjectEncrypted=true',
    });
    await put(bucket, 'ten-tags', 'w', { Tagging: TEN_TAGS });
    await put(bucket, 'archived', 'g', { StorageClass: 'GLACIER' });
    await put(bucket, 'customer-key', 'c', {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: sseCKey.toString('base64'),
      SSECustomerKeyMD5: createHash('md5').update(sseCKey).digest('base64'),
    });
    await put(bucket, 'plain', 'p');
    await put(bucket, 'expired-token', 'e', { ServerSideEncryption: 'AES256' });
    const tenTagsBefore = await readObject(bucket, 'ten-tags');
    const taggedBefore = await readObject(bucket, 'target-key-tagged');

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, `exit 3 when some objects were skipped\n${run.stderr}`);
    const { counts, issues } = run.json;
    assert.equal(counts.scanned, 8);
    assert.equal(counts.migrated, 3, 'other-key, plain, and ten-tags (copied with its tags, without the marker)');
    assert.equal(counts.unmarked, 1, 'ten-tags: no room for the marker');
    assert.equal(counts.alreadyDone, 2);
    assert.deepEqual(counts.skipped, {
      'sse-c': 1,
      archived: 1,
      vanished: 0,
      'dsse-kms': 0,
      'noncurrent-not-updatable': 0,
      'null-version-kept': 0,
      'annotated-over-5gib': 0,
      'object-lock': 0,
    });
    assert.equal(counts.failed, 1, 'a HEAD refused with 400 for another reason is not taken for SSE-C');
    const reported = Object.fromEntries(issues.map((i: { key: string; code: string }) => [i.key, i.code]));
    assert.deepEqual(reported, { archived: 'archived', 'customer-key': 'sse-c', 'expired-token': 'ExpiredToken' });
    assert.match(run.stderr, /unmarked\s+1 \(under the key, without the marker/);
    assert.match(run.stderr, /archived.*GLACIER/);

    for (const key of ['other-key', 'plain']) {
      const state = await readObject(bucket, key);
      assert.equal(state.keyArn, keyArn, `${key} now under the target key`);
      assert.equal(state.tags.__ObjectEncrypted, 'true');
    }
    const untagged = await readObject(bucket, 'target-key-untagged');
    assert.deepEqual(untagged.tags, { own: 'tag', __ObjectEncrypted: 'true' }, 'marker added, own tag kept');
    assert.deepEqual(await readObject(bucket, 'target-key-tagged'), taggedBefore, 'already done: untouched');
    const tenTags = await readObject(bucket, 'ten-tags');
    assert.equal(tenTags.keyArn, keyArn, '10 tags: re-encrypted all the same');
    assert.deepEqual(tenTags.tags, tenTagsBefore.tags, 'its 10 tags as they were, no marker');
    assert.equal(tenTags.sha256, tenTagsBefore.sha256);
    const archived = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'archived' }));
    assert.equal(archived.StorageClass, 'GLACIER');
    assert.notEqual(archived.ServerSideEncryption, 'aws:kms');
    const customer = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'customer-key' }));
    assert.notEqual(customer.ServerSideEncryption, 'aws:kms', 'SSE-C object not copied');
  });

  it('migrates the current versions of a versioned bucket and leaves older versions as they were', async () => {
    const bucket = await createBucket('versioned', { versioned: true });
    const first = await put(bucket, 'doc', 'version 1');
    await put(bucket, 'doc', 'version 2', { Tagging: 'rev=2' });
    await put(bucket, 'solo', 'only version');
    await put(bucket, 'gone', 'deleted later');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone' }));
    const oldVersion = await readObject(bucket, 'doc', first.VersionId);

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--page-size', '1', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 2, 'doc and solo');
    assert.equal(run.json.counts.olderVersions, 3, 'doc v1, gone and its delete marker');

    const current = await readObject(bucket, 'doc');
    assert.equal(current.keyArn, keyArn);
    assert.equal(current.sha256, (await readObject(bucket, 'doc', current.versionId)).sha256);
    assert.deepEqual(current.tags, { rev: '2', __ObjectEncrypted: 'true' });
    assert.deepEqual(await readObject(bucket, 'doc', first.VersionId), oldVersion, 'older version untouched');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    assert.equal(versions.Versions?.filter((v) => v.Key === 'doc').length, 3, 'v1, v2 and the re-encrypted copy');
  });
});
