import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';

const NOT_IMPLEMENTED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>';

describe('an endpoint without UpdateObjectEncryption', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    // As a region or an S3-compatible store without the operation answers it.
    proxied = await startProxiedWorker((req) =>
      req.method === 'PUT' && new URL(req.url ?? '/', 'http://x').searchParams.has('encryption')
        ? { status: 501, headers: { 'content-type': 'application/xml' }, body: NOT_IMPLEMENTED }
        : undefined,
    );
  });
  after(async () => {
    await proxied.stop();
  });

  it('copies every object, says so once, and never asks again per object', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('no-update');
    for (let i = 0; i < 5; i++) await put(bucket, `k${i}`, `v${i}`, { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 5);
    assert.equal(run.json.counts.updated, 0);
    assert.match(run.json.engine, /^copy \(UpdateObjectEncryption: NotImplemented \(HTTP 501\)/);
    assert.match(run.stderr, /engine: copy \(UpdateObjectEncryption: NotImplemented/);
    assert.equal(proxied.proxy.forwarded.get('PUT?encryption') ?? 0, 0, 'answered by the proxy, never forwarded');
    for (let i = 0; i < 5; i++) assert.equal((await readObject(bucket, `k${i}`)).keyArn, keyArn);
  });
});
