import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, putMany } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { MIGRATION_ISSUE_BYTES } from '../../workflows/issue-budget';

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

describe('many failures with long keys', () => {
  let proxied: ProxiedWorker;
  let denied = '';
  before(async () => {
    // Every copy in one bucket is denied (as without s3:PutObject): each of its objects fails.
    proxied = await startProxiedWorker((req) =>
      denied && req.headers['x-amz-copy-source'] && req.url?.startsWith(`/${denied}/`)
        ? { status: 403, headers: { 'content-type': 'application/xml' }, body: ACCESS_DENIED }
        : undefined,
    );
  });
  after(async () => {
    await proxied.stop();
  });

  it('counts every failure, and lists them within bytes whatever the key lengths', { timeout: 300_000 }, async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('long-keys');
    denied = bucket;
    // 1,200 unencrypted objects (copied) under keys of ~1,000 bytes.
    const keys = Array.from({ length: 1200 }, (_, i) => `${'k'.repeat(990)}-${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, () => 'x');
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--max-failure-rate',
      '1',
      '--page-size',
      '1000',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.json.counts.failed, 1200);
    assert.equal(run.json.counts.migrated, 0);
    const listedBytes = Buffer.byteLength(JSON.stringify(run.json.issues));
    assert.ok(listedBytes <= MIGRATION_ISSUE_BYTES + run.json.issues.length, `${listedBytes} bytes of issues`);
    assert.ok(run.json.issues.length >= 50 && run.json.issues.length < 1200, `${run.json.issues.length} listed`);
    assert.ok(run.json.issues.every((i: { code: string }) => i.code === 'AccessDenied'));
    assert.match(run.stderr, new RegExp(`… and ${1200 - run.json.issues.length} more not listed`));
  });
});
