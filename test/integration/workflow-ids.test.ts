// Workflow IDs a migration derives from bucket and prefix: overlapping prefixes of one bucket never run at
// once, and a long prefix still makes an ID Temporal accepts (it refuses IDs over 1,000 bytes).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, put, putMany, readObject } from '../helpers/aws';
import { startWorker, type RunningWorker } from '../helpers/worker';
import { runMigrate } from '../helpers/cli';

describe('workflow IDs', { timeout: 240_000 }, () => {
  let worker: RunningWorker;
  let keyArn: string;
  before(async () => {
    worker = await startWorker();
    keyArn = await createKey();
  });
  after(async () => {
    await worker?.stop();
  });

  it('refuses to start a migration whose prefix overlaps a running one of the same bucket; others start', async () => {
    const bucket = await createBucket('overlap');
    // A page of one object at a time: still running when paused a moment later.
    await putMany(
      bucket,
      Array.from({ length: 100 }, (_, i) => `logs/${i}`),
      (k) => k,
      16,
      { ServerSideEncryption: 'AES256' },
    );
    const whole = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--page-size',
      '1',
      '--pages-in-flight',
      '1',
      '--json',
    ]);
    assert.equal(whole.code, 0, whole.stderr);
    const paused = await runMigrate(['pause', whole.json.workflowId]);
    assert.equal(paused.code, 0, paused.stderr);
    for (const prefix of ['logs/', 'logs/2026/']) {
      const clash = await runMigrate(['--bucket', bucket, '--prefix', prefix, '--kms-key', keyArn, '--json']);
      assert.equal(clash.code, 1, clash.stderr);
      assert.match(
        clash.stderr,
        new RegExp(
          `a migration of s3://${bucket}/ is running \\(workflow s3-kms-migrate/${bucket}/\\), and its objects ` +
            `overlap with s3://${bucket}/${prefix}`,
        ),
      );
    }
    const attached = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--json']);
    assert.equal(attached.json.attached, true, 'the same bucket and prefix attaches');
    assert.equal((await runMigrate(['cancel', whole.json.workflowId])).code, 0);
    const other = await createBucket('overlap-other');
    await put(other, 'logs/c', 'z', { ServerSideEncryption: 'AES256' });
    const elsewhere = await runMigrate([
      '--bucket',
      other,
      '--prefix',
      'logs/',
      '--kms-key',
      keyArn,
      '--wait',
      '--json',
    ]);
    assert.equal(elsewhere.code, 0, `another bucket is not affected\n${elsewhere.stderr}`);
  });

  it('a prefix of 1,000 bytes makes an ID under 800 bytes, unique to it, and migrates', async () => {
    const bucket = await createBucket('long-prefix');
    const prefix = `${'p'.repeat(990)}/`;
    await put(bucket, `${prefix}k`, 'x', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate(['--bucket', bucket, '--prefix', prefix, '--kms-key', keyArn, '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Buffer.byteLength(run.json.workflowId) <= 800, `${Buffer.byteLength(run.json.workflowId)} bytes`);
    assert.match(run.json.workflowId, /…#sha256:[0-9a-f]{32}$/);
    assert.equal((await readObject(bucket, `${prefix}k`)).keyArn, keyArn);
  });
});
