import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { inspectObject } from '../../activities/inspect-object';
import { copyObject } from '../../activities/copy-object';
import { forEachConcurrently } from '../../common/concurrently';
import { DEFAULTS, migrationWorkflowId } from '../../common/types';
import { historyStats, type HistoryStats } from '../lib/history-stats';
import { processGroupMemoryMb } from '../lib/process-memory';
import { runClient } from '../lib/run-client';
import { spawnWorkerProcess } from '../lib/worker-process';

export interface Outcome {
  seconds: number;
  workerPeakRssMb?: number;
  history?: HistoryStats;
}

/**
 * The raw baseline: the product's own S3 calls (HEAD; read tags; CopyObject with tags, key and class; HEAD to
 * verify) in a plain concurrent loop with the worker's S3 client settings and copy concurrency, no Temporal.
 */
export async function runRaw(s3: S3Client, bucket: string, keys: string[], keyArn: string, concurrency: number): Promise<Outcome> {
  const started = performance.now();
  await forEachConcurrently(keys, concurrency, async (key) => {
    const source = await inspectObject(s3, { bucket, key });
    if (!source.exists) throw new Error(`raw: ${key} vanished`);
    const copied = await copyObject(s3, {
      bucket, keyArn, source, bucketKeyEnabled: false, partSizeBytes: DEFAULTS.partSizeBytes,
      tagKey: DEFAULTS.tagKey, tagValue: DEFAULTS.tagValue,
    });
    if (copied.status !== 'copied') throw new Error(`raw: ${key} ${copied.status}`);
  });
  return { seconds: (performance.now() - started) / 1000 };
}

/** This product: one worker process with its default settings, the migration started and awaited through the client. */
export async function runProduct(env: NodeJS.ProcessEnv, bucket: string, keyArn: string, objects: number): Promise<Outcome> {
  const worker = await spawnWorkerProcess(env);
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, processGroupMemoryMb(worker.child.pid!).peakMb)), 1000);
  try {
    const started = performance.now();
    // moto enforces no KMS quota: a budget far above what the endpoint can do, so the limiter is not what is measured.
    const run = await runClient(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '100000', '--wait', '--json'], env);
    const seconds = (performance.now() - started) / 1000;
    if (run.code !== 0 || run.json?.counts?.migrated !== objects) {
      throw new Error(`product run failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    }
    peakMb = Math.max(peakMb, processGroupMemoryMb(worker.child.pid!).peakMb);
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const history = await historyStats(new Client({ connection }), migrationWorkflowId(bucket, ''));
      return { seconds, workerPeakRssMb: peakMb, history };
    } finally {
      await connection.close();
    }
  } finally {
    clearInterval(sampler);
    await worker.kill('SIGTERM');
  }
}

/** The way operators re-encrypt today: `aws s3 cp --recursive` over itself, with a given max_concurrent_requests. */
export async function runAwsCli(awsBin: string, env: NodeJS.ProcessEnv, bucket: string, keyArn: string, concurrency: number): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-awscli-'));
  const config = path.join(dir, 'config');
  writeFileSync(config, `[default]\nregion = ${env.AWS_REGION}\ns3 =\n  max_concurrent_requests = ${concurrency}\n`);
  const args = ['s3', 'cp', `s3://${bucket}/`, `s3://${bucket}/`, '--recursive', '--sse', 'aws:kms', '--sse-kms-key-id', keyArn,
    '--endpoint-url', env.AWS_ENDPOINT_URL!, '--only-show-errors'];
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(awsBin, args, { env: { ...env, AWS_CONFIG_FILE: config }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`aws s3 cp exited with ${code}`);
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
