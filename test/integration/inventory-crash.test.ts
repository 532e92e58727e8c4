// A migration from an S3 Inventory report whose worker is killed mid-file: the reader it kept where a page ended
// dies with it, and the next worker reads on from the coordinator's cursor (file and row), every row once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBucket, createKey, putMany, readObject, s3 } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { stackEnv } from '../helpers/stack-env';
import { temporalClient, untilMigrated } from '../helpers/temporal';
import { progressQuery } from '../../workflows/messages';
import { rowsOfBucket, writeInventoryReport } from '../../lab/lib/inventory-report';
import type { Client } from '@temporalio/client';
import type { MigrationSummary } from '../../common/types';

const OBJECTS = 600;

describe('a worker killed with SIGKILL mid-way through an inventory', () => {
  let temporal: { client: Client; close(): Promise<void> };
  let worker: WorkerProcess | undefined;
  before(async () => {
    temporal = await temporalClient();
  });
  after(async () => {
    await worker?.kill('SIGTERM');
    await temporal.close();
  });

  it('resumes at the cursor row: every row read and every object migrated once, none left out', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('inv-crash');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `rows/${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, (k) => k, 16, { ServerSideEncryption: 'AES256' });
    const inventory = await writeInventoryReport(s3, await rowsOfBucket(s3, bucket, false), {
      sourceBucket: bucket,
      destinationBucket: await createBucket('inventories'),
      format: 'CSV',
      allVersions: false,
      rowsPerFile: 400,
    });

    worker = await spawnWorkerProcess(stackEnv());
    const args = ['--bucket', bucket, '--kms-key', keyArn, '--inventory', inventory, '--page-size', '50'];
    const started = await runMigrate([...args, '--max-kms-rps', '200', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const handle = temporal.client.workflow.getHandle(started.json.workflowId);
    await untilMigrated(handle, OBJECTS / 4);
    await worker.kill('SIGKILL');
    const atKill = await handle.query(progressQuery).catch(() => undefined);
    assert.ok(!atKill || atKill.counts.migrated < OBJECTS, 'killed before the migration finished');

    worker = await spawnWorkerProcess(stackEnv());
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.scanned, OBJECTS, 'every row read once: none twice, none passed over');
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.migrated + summary.counts.alreadyDone, OBJECTS, 'every object counted once');
    for (const key of keys) {
      const state = await readObject(bucket, key);
      assert.equal(state.keyArn, keyArn, key);
      assert.deepEqual(state.tags, { __ObjectEncrypted: 'true' }, key);
    }
  });
});
