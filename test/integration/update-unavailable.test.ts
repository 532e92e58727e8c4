import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, putMany, readObject } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { pageIdOf, temporalClient } from '../helpers/temporal';

const NOT_IMPLEMENTED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies ' +
  'functionality that is not implemented</Message></Error>';

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

  it(
    'copies a page of 1,000 objects under another KMS key, far below 2,000 pending activities',
    { timeout: 240_000 },
    async () => {
      const [oldKey, keyArn] = [await createKey(), await createKey()];
      const bucket = await createBucket('kms-page');
      const keys = Array.from({ length: 1000 }, (_, i) => `o${String(i).padStart(4, '0')}`);
      await putMany(bucket, keys, (k) => k, 32, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: oldKey });
      const run = await runMigrate([
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--page-size',
        '1000',
        '--wait',
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual([run.json.counts.migrated, run.json.counts.failed], [1000, 0]);
      for (const key of ['o0000', 'o0500', 'o0999']) assert.equal((await readObject(bucket, key)).keyArn, keyArn);

      // Each copy costs KMS requests (decrypt under the old key, a data key under the new): permits and copies
      // are scheduled on the KMS queue. Read the page's history for the most activities pending at once.
      const temporal = await temporalClient();
      try {
        const history = await temporal.client.workflow
          .getHandle(await pageIdOf(temporal.client, run.json.workflowId, 1))
          .fetchHistory();
        let pending = 0;
        let most = 0;
        for (const event of history.events ?? []) {
          if (event.activityTaskScheduledEventAttributes) most = Math.max(most, ++pending);
          const ended =
            event.activityTaskCompletedEventAttributes ??
            event.activityTaskFailedEventAttributes ??
            event.activityTaskTimedOutEventAttributes ??
            event.activityTaskCanceledEventAttributes;
          if (ended) pending--;
        }
        assert.ok(most > 1 && most <= 500, `${most} activities pending at once (Temporal refuses over 2,000)`);
      } finally {
        await temporal.close();
      }
    },
  );
});

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

describe('UpdateObjectEncryption allowed under one prefix only (an IAM policy scoped to BUCKET/logs/*)', () => {
  let proxied: ProxiedWorker;
  before(async () => {
    proxied = await startProxiedWorker((req) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const underLogs = url.pathname.split('/')[2] === 'logs';
      return req.method === 'PUT' && url.searchParams.has('encryption') && !underLogs
        ? { status: 403, headers: { 'content-type': 'application/xml' }, body: ACCESS_DENIED }
        : undefined;
    });
  });
  after(async () => {
    await proxied.stop();
  });

  it('a migration of that prefix probes under it and updates in place', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('prefix-iam');
    for (let i = 0; i < 3; i++) await put(bucket, `logs/${i}`, `v${i}`, { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--prefix', 'logs/', '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.updated, 3, 'in place, not copied');
  });

  it('where it is denied, the migration fails before touching anything, naming the permission; --engine copy copies', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('denied-update');
    await put(bucket, 'doc', 'x', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /UpdateObjectEncryption is denied to the worker under s3:\/\/\S+\/ \(AccessDenied\): grant it s3:UpdateObjectEncryption/,
    );
    assert.equal((await readObject(bucket, 'doc')).sse, 'AES256', 'nothing touched');
    const copied = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--engine', 'copy', '--wait', '--json']);
    assert.equal(copied.code, 0, copied.stderr);
    assert.equal((await readObject(bucket, 'doc')).keyArn, keyArn);
  });
});
