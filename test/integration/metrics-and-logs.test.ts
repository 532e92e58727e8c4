import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startS3Proxy, callName, type S3Proxy } from '../../lab/lib/fault-proxy';
import { spawnWorkerProcess, type WorkerProcess } from '../../lab/lib/worker-process';
import { createBucket, createKey, put } from '../helpers/aws';
import { runMigrate } from '../helpers/cli';
import { stackEnv } from '../helpers/stack-env';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Prometheus text format: the value of every series whose name and labels match, summed. */
function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (has) sum += Number(m[3]);
  }
  return sum;
}

describe("the worker's Prometheus metrics and JSON logs", () => {
  let proxy: S3Proxy;
  let worker: WorkerProcess;
  let metricsPort: number;
  let throttledHeads = 3;
  before(async () => {
    proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!, (req) => {
      const key = decodeURIComponent(new URL(req.url!, 'http://x').pathname).split('/').slice(2).join('/');
      if (callName(req) === 'PUT?tagging' && key === 'denied.txt') {
        return {
          status: 403,
          headers: { 'content-type': 'application/xml' },
          body: '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        };
      }
      if (callName(req) === 'HEAD' && key.startsWith('updated-') && throttledHeads > 0) {
        throttledHeads--;
        return {
          status: 503,
          headers: { 'content-type': 'application/xml' },
          body: '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        };
      }
      return undefined;
    });
    metricsPort = await freePort();
    worker = await spawnWorkerProcess({
      ...stackEnv(),
      AWS_ENDPOINT_URL: proxy.endpoint,
      MIGRATOR_METRICS_PORT: String(metricsPort),
    });
  });
  after(async () => {
    await worker.kill('SIGTERM');
    await proxy.close();
  });

  it('counts objects by outcome, KMS requests by kind against the budget, and S3 throttling', async () => {
    const keyArn = await createKey();
    const bucket = await createBucket('metrics');
    for (let i = 0; i < 6; i++) await put(bucket, `updated-${i}.txt`, `u${i}`, { ServerSideEncryption: 'AES256' });
    for (let i = 0; i < 2; i++) await put(bucket, `copied-${i}.txt`, `c${i}`);
    await put(bucket, 'denied.txt', 'd', { ServerSideEncryption: 'AES256' });
    const run = await runMigrate([
      '--bucket',
      bucket,
      '--kms-key',
      keyArn,
      '--max-kms-rps',
      '40',
      '--max-failure-rate',
      '1',
      '--wait',
      '--json',
    ]);
    assert.equal(run.code, 3, run.stderr);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.counts.failed, 1);

    // The SDK exports every second; wait for the last page's counts to arrive.
    let text = '';
    for (let i = 0; i < 50; i++) {
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      if (sampleSum(text, 's3kms_objects_total', { outcome: 'failed' }) === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sampleSum(text, 's3kms_objects_total', { outcome: 'updated' }), summary.counts.updated, text);
    assert.equal(summary.counts.updated, 6, 'the seventh was updated, but its tag write was denied: it failed');
    assert.equal(sampleSum(text, 's3kms_objects_total', { outcome: 'copied' }), 2);
    assert.equal(sampleSum(text, 's3kms_objects_total', { outcome: 'failed' }), 1);
    assert.equal(sampleSum(text, 's3kms_migrated_bytes_total'), summary.counts.bytesMigrated);
    assert.equal(
      sampleSum(text, 's3kms_kms_requests_total', { kind: 'update' }),
      7,
      'one KMS request per SSE-S3 update, the failed one included',
    );
    assert.equal(sampleSum(text, 's3kms_kms_requests_total', { kind: 'copy' }), 2);
    assert.equal(sampleSum(text, 's3kms_kms_budget_rps', { migration: summary.workflowId }), 40);
    assert.ok(sampleSum(text, 's3kms_s3_throttled_total') >= 1, 'the 503s lowered the concurrency');
    assert.ok(text.includes('s3kms_s3_concurrency'), 'the concurrency gauge');
    assert.ok(sampleSum(text, 'temporal_workflow_completed_total') >= 1, "the SDK's own series");
  });

  it('logs one JSON line per event, with the workflow ID and object key of a failed object', () => {
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(lines.length > 0);
    const events = lines.map((l) => JSON.parse(l));
    const started = events.find((e) => e.msg === 'worker started');
    assert.equal(started.metrics, `http://0.0.0.0:${metricsPort}/metrics`);
    const failed = events.find((e) => e.msg === 'object failed');
    assert.ok(failed, worker.output());
    assert.equal(failed.key, 'denied.txt');
    assert.match(failed.workflowId, /^s3-kms-migrate\/.*metrics.*page/);
    assert.equal(failed.code, 'AccessDenied');
  });
});

describe('the worker with MIGRATOR_S3_CLIENT=sdk', () => {
  it("sends every S3 request through the SDK's stack, and migrates as the lean path does", async () => {
    const sentBy = { sdk: 0, lean: 0 };
    const proxy = await startS3Proxy(stackEnv().AWS_ENDPOINT_URL!, (req) => {
      if (callName(req) === 'HEAD' || callName(req) === 'PUT?encryption')
        sentBy[req.headers['amz-sdk-invocation-id'] ? 'sdk' : 'lean']++; // the SDK names each invocation
      return undefined;
    });
    const worker = await spawnWorkerProcess({
      ...stackEnv(),
      AWS_ENDPOINT_URL: proxy.endpoint,
      MIGRATOR_METRICS_PORT: '0',
      MIGRATOR_S3_CLIENT: 'sdk',
    });
    try {
      const keyArn = await createKey();
      const bucket = await createBucket('sdk-client');
      for (let i = 0; i < 5; i++) await put(bucket, `o-${i}`, `o${i}`, { ServerSideEncryption: 'AES256' });
      const run = await runMigrate(['--bucket', bucket, '--kms-key', keyArn, '--wait', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.json.counts.updated, 5);
      assert.ok(sentBy.sdk >= 10, JSON.stringify(sentBy));
      assert.equal(sentBy.lean, 0, JSON.stringify(sentBy));
      const started = worker
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((e) => e.msg === 'worker started');
      assert.equal(started.s3Client, 'sdk');
    } finally {
      await worker.kill('SIGTERM');
      await proxy.close();
    }
  });
});
