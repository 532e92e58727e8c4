import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, readObject, sha256 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import { callName, type CannedResponse } from '../../lab/lib/fault-proxy';
import type http from 'node:http';

const xmlError = (status: number, code: string, message: string): CannedResponse => ({
  status,
  headers: { 'content-type': 'application/xml' },
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});

const isCopyOf = (req: http.IncomingMessage, key: string) =>
  callName(req) === 'CopyObject' && decodeURIComponent(req.url!.split('?')[0]).endsWith(`/${key}`);

describe('error classes, provoked', () => {
  let proxied: ProxiedWorker;
  let overwriteBeforeCopy: (() => Promise<void>) | undefined;
  before(async () => {
    proxied = await startProxiedWorker((req) => {
      if (isCopyOf(req, 'denied')) return xmlError(403, 'AccessDenied', 'Access Denied');
      if (overwriteBeforeCopy && isCopyOf(req, 'overwritten')) {
        // Another writer replaces the object between our HEAD and our copy; moto ignores If-Match, so the
        // proxy answers the copy as S3 would: 412 Precondition Failed.
        const overwrite = overwriteBeforeCopy;
        overwriteBeforeCopy = undefined;
        void overwrite();
        return xmlError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      return undefined;
    });
  });
  after(async () => {
    await proxied.stop();
  });

  it('changed meanwhile (412): inspects again and migrates the newer object, never the older bytes', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('changed');
    await put(bucket, 'overwritten', 'old bytes');
    await put(bucket, 'other', 'other bytes');
    let overwritten!: Promise<void>;
    overwriteBeforeCopy = () =>
      (overwritten = put(bucket, 'overwritten', 'NEW bytes from another writer', { Tagging: 'writer=2' }).then(
        () => undefined,
      ));

    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    await overwritten;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.rechecked, 1, 'decided again after the 412');
    assert.equal(run.json.counts.migrated, 2);
    const after = await readObject(bucket, 'overwritten');
    assert.equal(after.sha256, sha256('NEW bytes from another writer'), 'the newer content, not the older');
    assert.equal(after.keyArn, keyArn);
    assert.deepEqual(after.tags, { writer: '2', __ObjectEncrypted: 'true' });
  });

  it('permanent for the object (AccessDenied): recorded as failed with the S3 code, the rest migrated, exit 3', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('denied');
    await put(bucket, 'denied', 'x');
    await put(bucket, 'fine', 'y');
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.json.counts.failed, 1);
    assert.equal(run.json.counts.migrated, 1);
    assert.deepEqual(
      run.json.issues.map((i: { key: string; status: string; code: string }) => [i.key, i.status, i.code]),
      [['denied', 'failed', 'AccessDenied']],
    );
    assert.match(run.stderr, /failed\s+AccessDenied\s+"denied"/);
    assert.notEqual((await readObject(bucket, 'denied')).sse, 'aws:kms');
  });
});
