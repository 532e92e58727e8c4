// The one KMS budget of a namespace, counted where requests reach S3 (a proxy in front of the endpoint), with
// two worker processes: migrations started one after the other with different budgets follow the latest;
// set-rate down and up takes every running migration with it within seconds; migrations running together
// share the budget evenly, whatever their sizes and the budgets they were started with.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { createBucket, createKey, putMany } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { startS3Proxy, type S3Proxy } from '../../lab/lib/fault-proxy';
import { stackEnv } from '../helpers/stack-env';
import { temporalClient } from '../helpers/temporal';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { kmsTaskWeight } from '../../common/kms-budget';
import type { MigrationSummary } from '../../common/types';
import { busiestWindow, kmsRequests, ratePerSecond } from '../../lab/lib/kms-windows';

/** Time allowed for a change to reach every running migration ("within seconds"). */
const SETTLE_MS = 3000;

describe('one KMS budget for every running migration', { timeout: 600_000 }, () => {
  let proxy: S3Proxy;
  const workers: WorkerProcess[] = [];
  let temporal: { client: Client; close(): Promise<void> };
  const result = (id: string) => temporal.client.workflow.getHandle(id).result() as Promise<MigrationSummary>;
  const started = async (args: string[]): Promise<string> => {
    const run = await runMigrate([...args, '--json']);
    assert.equal(run.code, 0, run.stderr);
    return run.json.workflowId;
  };
  const seen = (buckets: string[], since: number) => kmsRequests(proxy.timeline, buckets, since).length;

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

  it('a second migration started at a lower budget brings the first down to it, through continue-as-new, a pause and a resume; set-rate raises both', async () => {
    const keyArn = await createKey();
    const [a, b] = [await createBucket('budget-a'), await createBucket('budget-b')];
    const sseS3 = { ServerSideEncryption: 'AES256' } as const; // updated in place
    await putMany(
      a,
      Array.from({ length: 700 }, (_, i) => `a/${i}`),
      (k) => k,
      16,
      sseS3,
    );
    await putMany(
      b,
      Array.from({ length: 400 }, (_, i) => `b/${i}`),
      (k) => k,
      16,
      sseS3,
    );
    const since = Date.now();
    // A continues as new after every page, with its pages still running.
    const idA = await started([
      '--bucket',
      a,
      '--kms-key',
      keyArn,
      '--max-kms-rps',
      '60',
      '--page-size',
      '100',
      '--pages-per-run',
      '1',
    ]);
    while (seen([a], since) < 60) await sleep(100);

    const idB = await started(['--bucket', b, '--kms-key', keyArn, '--max-kms-rps', '10']);
    const lowered = Date.now(); // the client wrote the new budget before it started B
    await sleep(SETTLE_MS + 4000);
    // A pause and a resume of B: the queue's buckets fill while less is waiting, and burst after.
    assert.equal((await runMigrate(['pause', idB])).code, 0);
    await sleep(3000);
    assert.equal((await runMigrate(['resume', idB])).code, 0);
    await sleep(5000);
    const raised = Date.now();
    const set = await runMigrate(['set-rate', idA, '--max-kms-rps', '100', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.json.kmsBudget.budgetRps, 100);
    assert.deepEqual([...set.json.runningMigrations].sort(), [idA, idB].sort(), 'both share it');
    const [summaryA, summaryB] = await Promise.all([result(idA), result(idB)]);
    assert.equal(summaryA.counts.migrated, 700);
    assert.ok(summaryA.runs >= 6, `A continued as new ${summaryA.runs} times`);
    assert.equal(summaryB.counts.migrated, 400);

    const requests = kmsRequests(proxy.timeline, [a, b], since);
    const low = requests.filter((r) => r.at >= lowered + SETTLE_MS && r.at < raised);
    const busiestLow = busiestWindow(low);
    const rateBefore = ratePerSecond(requests, since, lowered);
    const rateLow = ratePerSecond(requests, lowered + SETTLE_MS, raised);
    const rateHigh = ratePerSecond(requests, raised + SETTLE_MS, raised + SETTLE_MS + 5000);
    const ofB = low.filter((r) => r.bucket === b).length / low.length;
    console.log(
      `KMS requests/s: ${rateBefore.toFixed(1)} at 60 (A alone), ${rateLow.toFixed(1)} at 10 (A and B, ${Math.round(ofB * 100)}% B), ` +
        `${rateHigh.toFixed(1)} after set-rate 100; busiest 5 s at the budget of 10: ${busiestLow} (110% = 55, one ` +
        `task = ${kmsTaskWeight(10)})`,
    );
    assert.ok(busiestLow <= 55 + kmsTaskWeight(10), `busiest 5 s at a budget of 10: ${busiestLow} KMS requests`);
    assert.ok(rateLow <= 10 && rateLow >= 6, `both together at a budget of 10: ${rateLow.toFixed(1)}/s`);
    // The emulator serves 30-odd updates a second on this machine: far below 100, far above 10.
    assert.ok(rateHigh >= 2 * rateLow, `after set-rate 100: ${rateHigh.toFixed(1)}/s`);
    assert.ok(ofB > 0.3 && ofB < 0.7, `B's share while both ran: ${ofB}`);
  });

  it('three migrations of different sizes and given budgets share the one in force evenly', async () => {
    const keyArn = await createKey();
    const sizes = [600, 600, 2400];
    const buckets: string[] = [];
    for (const [n, size] of sizes.entries()) {
      const bucket = await createBucket(`share-${n}`);
      await putMany(
        bucket,
        Array.from({ length: size }, (_, i) => `s/${i}`),
        (k) => k,
        16,
        { ServerSideEncryption: 'AES256' },
      );
      buckets.push(bucket);
    }
    const since = Date.now();
    const ids: string[] = [];
    // The largest runs four pages at once (pages of 500); each was started with a budget of its own, the last one in
    // force.
    for (const [n, budget] of [15, 25, 20].entries()) {
      ids.push(
        await started([
          '--bucket',
          buckets[n],
          '--kms-key',
          keyArn,
          '--max-kms-rps',
          String(budget),
          '--page-size',
          '500',
        ]),
      );
      await sleep(1000);
    }
    // Measured once each has its updates under way: the emulator HEADs the largest one's four pages first.
    while (buckets.some((bucket) => seen([bucket], since) < 20)) await sleep(100);
    // Each migration keeps about 3 s of the queue's dispatch waiting: a task goes round in about 9 s here, so
    // the shares are measured over several rounds.
    const from = Date.now() + SETTLE_MS;
    await sleep(SETTLE_MS + 30_000);
    const to = Date.now();
    const listed = await runMigrate(['status', '--json']);
    for (const id of ids) assert.equal((await runMigrate(['cancel', id])).code, 0);
    assert.equal(listed.json.kmsBudget.inForce.budgetRps, 20);
    const running = listed.json.migrations.filter((m: { workflowId: string }) => ids.includes(m.workflowId));
    assert.equal(running.length, 3);
    for (const m of running) {
      assert.equal(m.progress.kmsBudgetRps, 20, 'each shows the budget in force');
      assert.ok(m.kmsRps > 0, 'and the KMS rate it achieves');
    }

    const requests = kmsRequests(proxy.timeline, buckets, since);
    const together = requests.filter((r) => r.at >= from && r.at < to);
    const shares = buckets.map((bucket) => together.filter((r) => r.bucket === bucket).length / together.length);
    const rate = ratePerSecond(requests, from, to);
    console.log(
      `shares of the budget while all three ran (${((to - from) / 1000).toFixed(1)} s, ${rate.toFixed(1)} KMS requests/s of 20): ` +
        shares.map((share) => `${Math.round(share * 100)}%`).join(', ') +
        `; busiest 5 s ${busiestWindow(together)} (110% = 110)`,
    );
    for (const [n, size] of sizes.entries())
      assert.ok(together.filter((r) => r.bucket === buckets[n]).length < size, 'none ran out');
    for (const share of shares)
      assert.ok(
        share >= 0.8 / 3 && share <= 1.2 / 3,
        `shares ${shares.map((x) => x.toFixed(2))}: each within ±20% of a third`,
      );
    assert.ok(busiestWindow(together) <= 110 + kmsTaskWeight(20));
  });
});
