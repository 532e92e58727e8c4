// A KMS queue of four partitions (Temporal's default on a cluster and on Temporal Cloud; the local stack runs
// one): each partition has a token bucket of its own, so the rate must allow for four bursts. The client sees
// the partitions in the workers' polls and says so; the budget holds, counted where requests reach S3.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createBucket, createKey, putMany } from '../helpers/aws';
import { runClient } from '../../lab/lib/run-client';
import { startS3Proxy, type S3Proxy } from '../../lab/lib/fault-proxy';
import { stackEnv } from '../helpers/stack-env';
import { devServerEnv } from '../helpers/workflow-env';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { kmsQueueRate, kmsTaskWeight, mostTasksInWindow } from '../../common/kms-budget';
import { busiestWindow, kmsRequests } from '../../lab/lib/kms-windows';

describe('the KMS budget on a queue of four partitions', { timeout: 300_000 }, () => {
  let temporal: TestWorkflowEnvironment;
  let proxy: S3Proxy;
  const workers: WorkerProcess[] = [];
  let env: NodeJS.ProcessEnv;
  const migrate = (args: string[]) => runClient(args, env);

  before(async () => {
    temporal = await devServerEnv({ partitions: 4 });
    proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!);
    env = { ...stackEnv(), TEMPORAL_ADDRESS: temporal.address, AWS_ENDPOINT_URL: proxy.endpoint };
    for (let i = 0; i < 2; i++) workers.push(await spawnWorkerProcess(env));
  });
  after(async () => {
    for (const w of workers) await w.kill('SIGTERM');
    await proxy?.close();
    await temporal?.teardown();
  });

  it('refuses a budget that four bursts alone would exceed, and starts nothing', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('p4-low');
    await putMany(bucket, ['a'], (k) => k);
    const run = await migrate(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '1', '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      /cannot be held on a KMS queue of 4 partitions.*give the queue one partition.*nothing was started/,
    );
    const listed = await migrate(['status', '--json']);
    assert.deepEqual(listed.json.migrations, []);
  });

  it('holds 110% of the budget in every 5 s at S3, the rate allowing for four buckets', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('p4');
    await putMany(
      bucket,
      Array.from({ length: 200 }, (_, i) => `p/${i}`),
      (k) => k,
      16,
      { ServerSideEncryption: 'AES256' },
    );
    const since = Date.now();
    const run = await migrate(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '10', '--wait', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.counts.updated, 200);
    assert.match(run.stderr, /has 4 partitions/, 'the client says what it found');
    assert.match(run.stderr, new RegExp(`dispatched at ${kmsQueueRate(10, 4)}/s .* over 4 partitions`));

    const requests = kmsRequests(proxy.timeline, [bucket], since);
    const seconds = (requests.at(-1)!.at - requests[0].at) / 1000;
    const busiest = busiestWindow(requests);
    const bound = mostTasksInWindow(kmsQueueRate(10, 4), 4) * kmsTaskWeight(10);
    console.log(
      `4 partitions, budget 10/s: ${requests.length} KMS requests in ${seconds.toFixed(1)} s ` +
        `(${(requests.length / seconds).toFixed(1)}/s), busiest 5 s ${busiest} (limiter's bound ${bound}, 110% = 55)`,
    );
    assert.ok(bound <= 55);
    assert.ok(busiest <= 55 + kmsTaskWeight(10), `busiest 5 s at S3: ${busiest} KMS requests`);
  });
});
