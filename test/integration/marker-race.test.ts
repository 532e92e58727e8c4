import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, readObject } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';

describe('the marker stands only on an object under the key', () => {
  let proxied: ProxiedWorker;
  let keyArn: string;
  let raced = '';
  let firstLooks = 0;
  before(async () => {
    keyArn = await createKey();
    // The first HEAD of the raced object sees it already under the key (as it was before another writer
    // replaced it with an SSE-S3 object): the worker then only tags it, in a bucket without versions.
    proxied = await startProxiedWorker((req) => {
      if (req.method !== 'HEAD' || !raced || !req.url?.split('?')[0].endsWith(raced) || firstLooks++ > 0)
        return undefined;
      return {
        status: 200,
        headers: {
          etag: '"before-the-writer"',
          'content-length': '1',
          'x-amz-server-side-encryption': 'aws:kms',
          'x-amz-server-side-encryption-aws-kms-key-id': keyArn,
        },
      };
    });
  });
  after(async () => {
    await proxied.stop();
  });

  it('an object replaced between its HEAD and its tagging is looked at again, not counted as done', async () => {
    const bucket = await createBucket('marker-race');
    raced = `/${bucket}/replaced`;
    await put(bucket, 'replaced', "the writer's object", { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(firstLooks >= 2, true, 'the first look was the stale one, and it looked again');
    assert.equal(run.json.counts.rechecked, 1);
    assert.equal(run.json.counts.migrated, 1, 'then updated, as the SSE-S3 object it is');
    assert.equal(run.json.counts.alreadyDone, 0);
    const after = await readObject(bucket, 'replaced');
    assert.equal(after.keyArn, keyArn);
    assert.equal(after.tags.__ObjectEncrypted, 'true');
  });
});
