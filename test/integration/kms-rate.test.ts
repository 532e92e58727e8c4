import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, putMany } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { startS3Proxy, type S3Proxy } from '../helpers/s3-proxy';
import { stackEnv } from '../helpers/stack-env';
import { temporalClient } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../../scripts/lib/worker-process';
import type { MigrationSummary } from '../../common/types';

const KMS_COSTING = new Set(['CopyObject', 'UploadPartCopy', 'POST?uploads']);
const WINDOW_MS = 5000;

/** The most KMS-costing requests seen in any WINDOW_MS, sliding over every request time. */
function busiestWindow(times: number[]): number {
  let most = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= WINDOW_MS) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe('the KMS budget', () => {
  let proxy: S3Proxy;
  const workers: WorkerProcess[] = [];
  let temporal: { client: Client; close(): Promise<void> };
  const copyTimes = (since = 0) =>
    proxy.timeline.filter((r) => KMS_COSTING.has(r.name) && r.at >= since).map((r) => r.at);

  before(async () => {
    proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!);
    for (let i = 0; i < 2; i++) workers.push(await spawnWorkerProcess({ ...stackEnv(), AWS_ENDPOINT_URL: proxy.endpoint }));
    temporal = await temporalClient();
  });
  after(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await proxy.close();
    await temporal.close();
  });

  it('holds for all workers together: with --max-kms-rps 10 and two workers, no 5 s window exceeds 60 KMS-costing requests', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('rate');
    await putMany(bucket, Array.from({ length: 300 }, (_, i) => `r/${i}`), (k) => k);
    const since = Date.now();
    const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '10', '--page-size', '100', '--pages-in-flight', '3', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 300);
    const times = copyTimes(since);
    assert.equal(times.length, 300);
    const seconds = (times.at(-1)! - times[0]) / 1000;
    console.log(`KMS-costing requests: 300 in ${seconds.toFixed(1)} s (${(300 / seconds).toFixed(1)}/s), busiest 5 s window ${busiestWindow(times)} (budget 10/s = 50)`);
    assert.ok(busiestWindow(times) <= 60, `busiest 5 s window: ${busiestWindow(times)}`);
  });

  it('set-rate changes the budget of a running migration within seconds', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('set-rate');
    await putMany(bucket, Array.from({ length: 400 }, (_, i) => `s/${i}`), (k) => k);
    const started = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '2', '--page-size', '200', '--json']);
    assert.equal(started.code, 0, started.stderr);
    const id = started.json.workflowId;
    const since = Date.now();
    while (copyTimes(since).length < 10) await sleep(100);
    const slowFrom = Date.now();
    await sleep(WINDOW_MS);
    const slow = copyTimes(slowFrom).length;

    const changed = await runMigrate(['set-rate', id, '--max-kms-rps', '50']);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /now 50 requests\/s/);
    await sleep(2000);
    const fastFrom = Date.now();
    await sleep(WINDOW_MS);
    const fast = copyTimes(fastFrom).length;
    console.log(`copies per 5 s: ${slow} at 2 KMS requests/s, ${fast} after set-rate 50`);
    assert.ok(slow <= 15, `at 2/s: ${slow} copies in 5 s`);
    assert.ok(fast >= 3 * Math.max(slow, 1), `after set-rate: ${fast} copies in 5 s`);

    const status = await runMigrate(['status', id, '--json']);
    assert.equal(status.json.progress.kmsBudgetRps, 50);
    const summary = (await temporal.client.workflow.getHandle(id).result()) as MigrationSummary;
    assert.equal(summary.counts.migrated, 400);
  });
});
