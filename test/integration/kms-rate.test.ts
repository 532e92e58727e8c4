import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, put, putMany, randomBody } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { startS3Proxy, type S3Proxy, type TimelineEntry } from '../../lab/lib/fault-proxy';
import { stackEnv } from '../helpers/stack-env';
import { dispatchTimes, temporalClient } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { MIB } from '../../common/s3-limits';
import { KMS_TASK_QUEUE, type MigrationSummary } from '../../common/types';

import { kmsQueueRate, kmsTaskWeight, mostTasksInWindow } from '../../common/kms-budget';
import { busiestWindow, kmsRequests, KMS_COSTING, WINDOW_MS } from '../../lab/lib/kms-windows';

describe('the KMS budget', () => {
  let proxy: S3Proxy;
  const workers: WorkerProcess[] = [];
  let temporal: { client: Client; close(): Promise<void> };
  const copyTimes = (since = 0) =>
    proxy.timeline.filter((r) => KMS_COSTING.has(r.name) && r.at >= since).map((r) => r.at);

  before(async () => {
    proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!);
    for (let i = 0; i < 2; i++)
      workers.push(await spawnWorkerProcess({ ...stackEnv(), AWS_ENDPOINT_URL: proxy.endpoint }));
    temporal = await temporalClient();
  });
  after(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await proxy.close();
    await temporal.close();
  });

  // Temporal's limiter dispatches at most its bucket of ⌈rate⌉ tasks + 5 s × its rate in any 5 s: at a budget of
  // 10/s, tasks of up to 4 requests (half a second of the budget) at 2.155/s, 3 + 5 × 2.155 = 13 tasks, 52
  // requests, within 110% of the budget's 50. A task's requests reach S3 10–250 ms after its dispatch (a copy
  // reads tags and grants first; at the start the workers are busy with the first pages' HEADs): the rate
  // allows 100 ms of that spread, and beyond it a window at S3 holds at most one task more.
  const weight = kmsTaskWeight(10);
  const tasksIn5s = mostTasksInWindow(kmsQueueRate(10));
  const allowedIn5s = 1.1 * 5 * 10;

  it('holds for all workers together: with --max-kms-rps 10 and two workers, no 5 s of dispatch exceeds 110% of the budget, nor 5 s at S3 by more than one task', async () => {
    const keyArn = await createKey();
    const otherKey = await createKey();
    const bucket = await createBucket('rate');
    // 200 unencrypted objects (copied: 1 request each), 100 under another key (updated in place: Decrypt +
    // a new data key, 2 each), and one of 3 parts that is not encrypted (copied in parts: 1 to create the
    // upload, 1 per part, 1 to complete it): 200 + 200 + 5 = 405 KMS requests.
    const sseS3 = Array.from({ length: 200 }, (_, i) => `r/s3-${i}`);
    const underKms = Array.from({ length: 100 }, (_, i) => `r/kms-${i}`);
    await putMany(bucket, sseS3, (k) => k);
    for (const key of underKms) await put(bucket, key, key, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: otherKey });
    await put(bucket, 'r/large', randomBody(15 * MIB));
    const kmsSourced = new Set(underKms.map((key) => `/${bucket}/${key}`));
    const kmsOf = (r: TimelineEntry) => (r.name.startsWith('POST?') ? 1 : kmsSourced.has(r.path) ? 2 : 1);

    const since = Date.now();
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--max-kms-rps',
      '10',
      '--page-size',
      '100',
      '--pages-in-flight',
      '3',
      '--multipart-threshold',
      String(10 * MIB),
      '--part-size',
      String(5 * MIB),
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.migrated, 301);
    assert.equal(run.json.counts.updated, 100);
    const requests = kmsRequests(proxy.timeline, [bucket], since, kmsOf);
    const total = requests.reduce((sum, r) => sum + r.kms, 0);
    assert.equal(total, 405, 'each update, copy, upload, part and completion seen once');
    assert.equal(run.json.counts.kmsRequests, 405, 'the migration counted them as S3 saw them');
    const seconds = (requests.at(-1)!.at - requests[0].at) / 1000;
    const busiest = busiestWindow(requests);
    // Each task dispatched stands for the full weight, whatever it spent.
    const dispatched = (await dispatchTimes(temporal.client, run.json.workflowId, KMS_TASK_QUEUE)).map((at) => ({
      at,
      kms: weight,
    }));
    const busiestDispatch = busiestWindow(dispatched);
    console.log(
      `KMS requests: ${total} in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(1)}/s), busiest 5 s window ${busiest} at S3, ` +
        `${busiestDispatch} paid for by the KMS-queue tasks dispatched (budget 10/s = 50)`,
    );
    assert.equal(tasksIn5s * weight, 52);
    assert.ok(dispatched.length >= 405 / weight, `${dispatched.length} KMS-queue tasks for 405 requests`);
    assert.ok(busiestDispatch <= tasksIn5s * weight, `busiest 5 s of dispatch: ${busiestDispatch} KMS requests' worth`);
    assert.ok(busiest <= allowedIn5s + weight, `busiest 5 s window at S3: ${busiest} KMS requests`);
  });

  it('set-rate changes the budget of a running migration within seconds', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('set-rate');
    await putMany(
      bucket,
      Array.from({ length: 400 }, (_, i) => `s/${i}`),
      (k) => k,
    );
    const started = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--max-kms-rps',
      '2',
      '--page-size',
      '200',
      '--json',
    ]);
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
    assert.equal(status.json.kmsBudget.inForce.budgetRps, 50);
    assert.ok(status.json.kmsBudget.sharedBy.includes(id));
    assert.ok(status.json.kmsRps > 0, 'the KMS rate it achieved so far');
    const summary = (await temporal.client.workflow.getHandle(id).result()) as MigrationSummary;
    assert.equal(summary.counts.migrated, 400);
  });
});
