// A worker SIGKILLed mid-migration, listing a bucket or reading an S3 Inventory report (whose reader, kept where
// a page ended, dies with it: the next worker reads on from the coordinator's cursor, file and row).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createBucket,
  createKey,
  listKeys,
  openMultipartUploads,
  putMany,
  readObject,
  sha256,
  s3,
} from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { stackEnv } from '../helpers/stack-env';
import { temporalClient, untilMigrated } from '../helpers/temporal';
import { rowsOfBucket, writeInventoryReport } from '../../lab/lib/inventory-report';
import { progressQuery } from '../../workflows/messages';
import type { Client } from '@temporalio/client';
import type { MigrationSummary } from '../../common/types';
import { GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';

const OBJECTS = 1000;
/** Rows of the inventory test's report, in two data files (400 and 200 rows). */
const INVENTORY_ROWS = 600;
const body = (key: string) => `content of ${key}`;

describe('a worker killed with SIGKILL mid-migration', () => {
  let temporal: { client: Client; close(): Promise<void> };
  let worker: WorkerProcess | undefined;
  before(async () => {
    temporal = await temporalClient();
  });
  after(async () => {
    await worker?.kill('SIGTERM');
    await temporal.close();
  });

  it('completes after a restart, every object in the same end state as without the crash', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('crash');
    const keys = Array.from({ length: OBJECTS }, (_, i) => `batch/${String(i).padStart(5, '0')}`);
    await putMany(bucket, keys, body);

    worker = await spawnWorkerProcess(stackEnv());
    const started = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--page-size', '100', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const handle = temporal.client.workflow.getHandle(started.json.workflowId);
    const justStarted = await runMigrate(['status', started.json.workflowId, '--json']);
    assert.equal(justStarted.code, 0, justStarted.stderr);
    assert.equal(justStarted.json.status, 'RUNNING');
    assert.equal(justStarted.json.bucket, bucket);

    // Kill the worker once a good part, but not all, of the work is done. Paused meanwhile, so the checks of a
    // running migration below cannot race its end on a fast machine (or a slow client on a loaded one).
    await untilMigrated(handle, OBJECTS / 5);
    const paused = await runMigrate(['pause', started.json.workflowId, '--reason', 'checks while it runs']);
    assert.equal(paused.code, 0, paused.stderr);
    const again = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.attached, true, 'the same migration started again attaches to the running one');
    assert.equal(again.json.workflowId, started.json.workflowId);
    const otherKey = await createKey();
    const conflicting = await runMigrate(['--bucket', bucket, '--kms-key', otherKey]);
    assert.equal(conflicting.code, 1);
    assert.match(conflicting.stderr, /already running .* with KMS key/);

    const underWay = await runMigrate(['status', started.json.workflowId, '--json']);
    assert.equal(underWay.json.status, 'RUNNING');
    assert.ok(underWay.json.progress.counts.migrated >= OBJECTS / 5, 'status shows live counts');
    const resumed = await runMigrate(['resume', started.json.workflowId]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await worker.kill('SIGKILL');
    const atKill = await handle.query(progressQuery).catch(() => undefined);
    assert.ok(!atKill || atKill.counts.migrated < OBJECTS, 'killed before the migration finished');

    worker = await spawnWorkerProcess(stackEnv());
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.scanned, OBJECTS);
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.migrated + summary.counts.alreadyDone, OBJECTS, 'every object counted once');

    assert.deepEqual((await listKeys(bucket)).sort(), keys);
    for (const key of keys) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(head.ServerSideEncryption, 'aws:kms', key);
      assert.equal(head.SSEKMSKeyId, keyArn, key);
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
      assert.deepEqual(tags.TagSet, [{ Key: '__ObjectEncrypted', Value: 'true' }], key);
    }
    for (const key of keys.filter((_, i) => i % 50 === 0)) {
      assert.equal((await readObject(bucket, key)).sha256, sha256(body(key)), `${key}: content`);
    }
    assert.equal(await openMultipartUploads(bucket), 0);
  });

  it('from an inventory, resumes at the cursor row: every row read and every object migrated once, none left out', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('inv-crash');
    const keys = Array.from({ length: INVENTORY_ROWS }, (_, i) => `rows/${String(i).padStart(4, '0')}`);
    await putMany(bucket, keys, (k) => k, 16, { ServerSideEncryption: 'AES256' });
    const inventory = await writeInventoryReport(s3, await rowsOfBucket(s3, bucket, false), {
      sourceBucket: bucket,
      destinationBucket: await createBucket('inventories'),
      format: 'CSV',
      allVersions: false,
      rowsPerFile: 400,
    });

    worker ??= await spawnWorkerProcess(stackEnv()); // the last test's, restarted: as good as any
    const args = ['--bucket', bucket, '--kms-key', keyArn, '--inventory', inventory, '--page-size', '50'];
    const started = await runMigrate([...args, '--max-kms-rps', '200', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const handle = temporal.client.workflow.getHandle(started.json.workflowId);
    await untilMigrated(handle, INVENTORY_ROWS / 4);
    await worker.kill('SIGKILL');
    const atKill = await handle.query(progressQuery).catch(() => undefined);
    assert.ok(!atKill || atKill.counts.migrated < INVENTORY_ROWS, 'killed before the migration finished');

    worker = await spawnWorkerProcess(stackEnv());
    const summary = (await handle.result()) as MigrationSummary;
    assert.equal(summary.counts.scanned, INVENTORY_ROWS, 'every row read once: none twice, none passed over');
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.migrated + summary.counts.alreadyDone, INVENTORY_ROWS, 'every object counted once');
    for (const key of keys) {
      const state = await readObject(bucket, key);
      assert.equal(state.keyArn, keyArn, key);
      assert.deepEqual(state.tags, { __ObjectEncrypted: 'true' }, key);
    }
  });
});
