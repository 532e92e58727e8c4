import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

describe('a listing that fails for good', () => {
  let proxied: ProxiedWorker;
  let denyAfterFirstPage = '';
  before(async () => {
    // Listing past the first page is denied, as when the worker's policy loses s3:ListBucket mid-run.
    proxied = await startProxiedWorker((req) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const denied =
        denyAfterFirstPage &&
        url.pathname.replace(/\/$/, '') === `/${denyAfterFirstPage}` &&
        url.searchParams.has('start-after');
      return denied ? { status: 403, headers: { 'content-type': 'application/xml' }, body: ACCESS_DENIED } : undefined;
    });
  });
  after(async () => {
    await proxied.stop();
  });

  it(
    'ends the migration with the bucket and the error named, after the objects already handed out',
    { timeout: 120_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('list-denied');
      for (const key of ['a', 'b', 'c']) await put(bucket, key, key, { ServerSideEncryption: 'AES256' });
      denyAfterFirstPage = bucket;
      const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--page-size', '2', '--wait', '--json']);
      assert.equal(run.code, 1, run.stderr); // and it ended: a permanent listing error is not retried
      assert.equal(run.json.status, 'failed');
      assert.match(
        run.json.error,
        new RegExp(`listing s3://${bucket}/ \\(ListObjectsV2\\) failed: AccessDenied \\(HTTP 403\\)`),
      );
      assert.equal((await readObject(bucket, 'a')).keyArn, keyArn, 'the first page was migrated');
      assert.equal((await readObject(bucket, 'b')).keyArn, keyArn);
      assert.equal((await readObject(bucket, 'c')).keyArn, undefined, 'never listed');
    },
  );
});
