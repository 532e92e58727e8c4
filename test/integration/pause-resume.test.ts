import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, putMany, s3 } from '../helpers/aws';
import { startProxiedWorker, type ProxiedWorker } from '../helpers/proxied-worker';
import { runMigrate } from '../helpers/cli';
import type { S3Proxy } from '../../lab/lib/fault-proxy';
import { temporalClient } from '../helpers/temporal';
import { forEachConcurrently } from '../../common/concurrently';
import type { MigrationSummary } from '../../common/types';

const OBJECTS = 600;

async function statusOf(workflowId: string) {
  const run = await runMigrate(['status', workflowId, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return run.json;
}

/** Workflow IDs the visibility query finds, waiting up to 10 s for it to see the latest change. */
async function findWhere(client: Client, query: string, expected: string): Promise<string[]> {
  let found: string[] = [];
  for (let tries = 0; tries < 50 && !found.includes(expected); tries++) {
    if (tries > 0) await sleep(200);
    found = [];
    for await (const execution of client.workflow.list({ query })) found.push(execution.workflowId);
  }
  return found;
}

describe('pause and resume through the client script', () => {
  let proxy: S3Proxy;
  let proxied: ProxiedWorker;
  let temporal: { client: Client; close(): Promise<void> };
  before(async () => {
    proxied = await startProxiedWorker();
    proxy = proxied.proxy;
    temporal = await temporalClient();
  });
  after(async () => {
    await proxied.stop();
    await temporal.close();
  });

  it('pause finishes what is in flight and starts nothing new; resume completes with no object copied twice', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('pause');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `p/${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, (k) => k);
    const copies = () => proxy.forwarded.get('CopyObject') ?? 0;

    const started = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--page-size',
      '100',
      '--pages-in-flight',
      '2',
      '--json',
    ]);
    assert.equal(started.code, 0, started.stderr);
    const id = started.json.workflowId;
    while (copies() < 100) await sleep(100);

    const paused = await runMigrate(['pause', id, '--reason', 'change window closed']);
    assert.equal(paused.code, 0, paused.stderr);
    let settled = -1;
    for (let stableFor = 0; stableFor < 3;) {
      await sleep(1000);
      stableFor = copies() === settled ? stableFor + 1 : 0;
      settled = copies();
    }
    const status = await statusOf(id);
    assert.equal(status.progress.phase, 'paused');
    assert.equal(status.progress.pausedBecause, 'change window closed');
    assert.ok(settled < OBJECTS, `paused before the end (${settled} copies)`);
    assert.equal(status.progress.counts.migrated, settled, 'counts match the copies made');
    await sleep(3000);
    assert.equal(copies(), settled, 'nothing new starts while paused');
    // What an operator filters by in the Web UI: the bucket and the state (search attributes).
    assert.deepEqual(
      await findWhere(temporal.client, `MigrationBucket = '${bucket}' AND MigrationState = 'paused'`, id),
      [id],
    );
    // `status` without an ID lists it among the migrations, with why it is paused.
    const listed = await runMigrate(['status', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const mine = listed.json.migrations.find((m: { workflowId: string }) => m.workflowId === id);
    assert.equal(mine?.progress?.phase, 'paused');
    const table = await runMigrate(['status']);
    assert.match(table.stdout, new RegExp(`paused\\s+s3://${bucket}/ .* ${id} — paused because: change window closed`));

    const resumed = await runMigrate(['resume', id]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = (await temporal.client.workflow.getHandle(id).result()) as MigrationSummary;
    assert.equal(summary.counts.migrated, OBJECTS);
    assert.equal(summary.pausedBecause, undefined);
    assert.equal(copies(), OBJECTS, 'no object copied twice');
    const completed =
      `MigrationBucket = '${bucket}' AND MigrationPrefix = '' AND MigrationKmsKey = '${keyArn}' ` +
      `AND MigrationState = 'completed'`;
    assert.deepEqual(await findWhere(temporal.client, completed, id), [id]);
    await forEachConcurrently(keys, 16, async (key) => {
      assert.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId, keyArn, key);
    });

    const notRunning = await runMigrate(['pause', id]);
    assert.equal(notRunning.code, 1);
    assert.match(notRunning.stderr, /is not running \(COMPLETED\)/);
  });

  it(
    'cancel stops a migration for good: its pages end, its state says so, and a new run finishes the rest',
    { timeout: 180_000 },
    async () => {
      const keyArn = await createKey();
      const bucket = await createBucket('cancel');
      const keys = Array.from({ length: 100 }, (_, i) => `c/${String(i).padStart(3, '0')}`);
      await putMany(bucket, keys, (k) => k, 16, { ServerSideEncryption: 'AES256' });
      const started = await runMigrate([
        '--bucket',
        bucket,
        '--kms-key',
        keyArn,
        '--page-size',
        '20',
        '--max-kms-rps',
        '4',
        '--json',
      ]);
      assert.equal(started.code, 0, started.stderr);
      const id = started.json.workflowId;
      while ((await statusOf(id)).progress.counts.migrated < 1) await sleep(500);

      const cancelled = await runMigrate(['cancel', id]);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout, /CANCELLED/);
      assert.deepEqual(
        await findWhere(temporal.client, `MigrationBucket = '${bucket}' AND MigrationState = 'cancelled'`, id),
        [id],
      );
      let runningPages = -1;
      for (let tries = 0; tries < 50 && runningPages !== 0; tries++) {
        if (tries > 0) await sleep(200);
        runningPages = 0;
        for await (const page of temporal.client.workflow.list({
          query: `WorkflowType = 'migratePage' AND ExecutionStatus = 'Running'`,
        })) {
          if (page.workflowId.startsWith(`${id}#`)) runningPages++;
        }
      }
      assert.equal(runningPages, 0, 'its pages ended with it');
      const again = await runMigrate(['cancel', id]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is not running \(CANCELLED\)/);

      const rerun = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal(rerun.json.counts.migrated + rerun.json.counts.alreadyDone, 100);
      assert.ok(rerun.json.counts.alreadyDone >= 1, 'what the cancelled run migrated stayed migrated');
    },
  );
});
