import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { inspectObject } from '../../activities/inspect-object';
import { mergeMarkerInto } from '../../activities/marker-tag';
import { updateRequest } from '../../activities/update-objects';
import { forEachConcurrently } from '../../common/concurrently';
import { DEFAULTS } from '../../common/types';
import { migrationWorkflowId } from '../../common/workflow-ids';
import { historyStats, type HistoryStats } from '../lib/history-stats';
import { processGroupMemoryMb } from '../lib/process-memory';
import { processGroupCpuMs } from '../lib/process-cpu';
import { isUpdateObjectEncryption, requestsDuring, type ServedRequest } from '../lib/endpoint-requests';
import { runClient } from '../lib/run-client';
import { spawnWorkerProcess } from '../lib/worker-process';
import type { FloorClient, FloorResponse } from './floor-client';
import { emptyBatch } from './s3-client-cpu';

export interface Outcome {
  /** What objects/s is measured over: the raw loop's run; the migration's own, from its start to its close. */
  seconds: number;
  /** The client's whole run, its own start and connection included (the product only). */
  wallSeconds?: number;
  /** CPU ms of the contender's own process(es): the raw loop's process, or the worker's. */
  cpuMs?: number;
  /** CPU ms of the Temporal server meanwhile. */
  temporalCpuMs?: number;
  /** CPU ms of the S3/KMS endpoint (moto) meanwhile. */
  endpointCpuMs?: number;
  /** Requests the S3/KMS endpoint served meanwhile. */
  requests?: ServedRequest[];
  workerPeakRssMb?: number;
  history?: HistoryStats;
  /**
   * CPU ms per second with the worker connected and no migration (pollers, timers): a cost per second, not per object.
   */
  idle?: { temporalMsPerSecond: number; workerMsPerSecond: number };
}

/** How long the worker sits connected and idle before the migration, to measure what idling costs. */
const IDLE_SECONDS = 10;

/** The stack's process started by scripts/stack.sh (its own process group: setsid). */
function stackPid(name: 'temporal' | 'moto'): number {
  return Number(readFileSync(`${process.env.STACK_DIR ?? '.stack'}/${name}.pid`, 'utf8').trim());
}

/**
 * The raw baseline: the product's own S3 calls on the same engine (HEAD; UpdateObjectEncryption; the tag
 * merge, reading tags only where the object has some, and the HEAD that confirms the object is still the one) in a
 * plain concurrent loop with the worker's S3 client
 * settings, no Temporal. Its CPU is this process's own while it runs (nothing else runs here meanwhile).
 */
export async function runRaw(
  s3: S3Client,
  bucket: string,
  keys: string[],
  keyArn: string,
  concurrency: number,
): Promise<Outcome> {
  return inALoop(keys, concurrency, async (key) => {
    const source = await inspectObject(s3, { bucket, key });
    if (!source.exists) throw new Error(`raw: ${key} vanished`);
    await s3.send(updateRequest(emptyBatch(bucket, keyArn), { key, update: true, kmsCost: 1 }));
    const marker = {
      bucket,
      key,
      tagKey: DEFAULTS.tagKey,
      tagValue: DEFAULTS.tagValue,
      expect: { etag: source.etag, keyArn },
    };
    const tagged = await mergeMarkerInto(s3, marker, { tagCount: source.tagCount });
    if (tagged.status !== 'tagged') throw new Error(`raw: ${key} ${tagged.status}`);
  });
}

/**
 * One object after another, `concurrency` at a time, in this process: its time, this process's CPU (nothing
 * else runs here meanwhile), the endpoint's CPU and the requests it served.
 */
async function inALoop(
  keys: string[],
  concurrency: number,
  perObject: (key: string) => Promise<void>,
): Promise<Outcome> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const endpointBefore = processGroupCpuMs(stackPid('moto'));
  const { requests } = await requestsDuring(() => forEachConcurrently(keys, concurrency, perObject));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuMs: (cpu.user + cpu.system) / 1000,
    endpointCpuMs: processGroupCpuMs(stackPid('moto')) - endpointBefore,
    requests,
  };
}

/** The floor client's answer, or an error naming the request (the floor parses nothing else). */
function ok(response: FloorResponse, what: string): FloorResponse {
  if (response.status < 200 || response.status > 299) throw new Error(`floor: ${what} answered ${response.status}`);
  return response;
}

/**
 * The floor: the raw loop's requests per object (HEAD, UpdateObjectEncryption, tag read and write, HEAD) sent
 * by a minimal signed client (floor-client.ts) in the same plain loop: what those requests cost at least.
 */
export async function runFloor(
  floor: FloorClient,
  bucket: string,
  keys: string[],
  keyArn: string,
  concurrency: number,
): Promise<Outcome> {
  return inALoop(keys, concurrency, async (key) => {
    const etag = ok(await floor.head(bucket, key), `HEAD ${key}`).headers.etag;
    ok(await floor.updateObjectEncryption(bucket, key, keyArn), `update ${key}`);
    ok(await floor.getTagging(bucket, key), `GET tagging ${key}`);
    ok(await floor.putTagging(bucket, key, [[DEFAULTS.tagKey, DEFAULTS.tagValue]]), `PUT tagging ${key}`);
    if (ok(await floor.head(bucket, key), `HEAD ${key}`).headers.etag !== etag)
      throw new Error(`floor: ${key} changed`);
  });
}

/**
 * This product: one worker process with its default settings, the migration started and awaited through the
 * client, at `maxKmsRps` (by default far above what the endpoint can do: moto enforces no KMS quota).
 */
export async function runProduct(
  env: NodeJS.ProcessEnv,
  bucket: string,
  keyArn: string,
  objects: number,
  { maxKmsRps = 100_000, args = [] as string[] } = {},
): Promise<Outcome> {
  const worker = await spawnWorkerProcess(env);
  const workerGroup = worker.child.pid!;
  const temporal = stackPid('temporal');
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, processGroupMemoryMb(workerGroup).peakMb)), 1000);
  try {
    await sleep(2000); // the worker's start settles
    const [idleWorker, idleTemporal] = [processGroupCpuMs(workerGroup), processGroupCpuMs(temporal)];
    await sleep(IDLE_SECONDS * 1000);
    const idle = {
      temporalMsPerSecond: (processGroupCpuMs(temporal) - idleTemporal) / IDLE_SECONDS,
      workerMsPerSecond: (processGroupCpuMs(workerGroup) - idleWorker) / IDLE_SECONDS,
    };
    const started = performance.now();
    const moto = stackPid('moto');
    const [workerCpu, temporalCpu, endpointCpu] = [
      processGroupCpuMs(workerGroup),
      processGroupCpuMs(temporal),
      processGroupCpuMs(moto),
    ];
    const { result: run, requests } = await requestsDuring(() =>
      runClient(
        ['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', String(maxKmsRps), ...args, '--wait', '--json'],
        env,
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = processGroupCpuMs(workerGroup) - workerCpu;
    const temporalCpuMs = processGroupCpuMs(temporal) - temporalCpu;
    const endpointCpuMs = processGroupCpuMs(moto) - endpointCpu;
    if (run.code !== 0 || run.json?.counts?.migrated !== objects) {
      throw new Error(`product run failed (exit ${run.code}): ${run.stderr.slice(-2000)}`);
    }
    peakMb = Math.max(peakMb, processGroupMemoryMb(workerGroup).peakMb);
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
    try {
      const history = await historyStats(new Client({ connection }), migrationWorkflowId(bucket, ''));
      return {
        seconds: history.seconds,
        wallSeconds: seconds,
        cpuMs,
        temporalCpuMs,
        endpointCpuMs,
        requests,
        workerPeakRssMb: peakMb,
        history,
        idle,
      };
    } finally {
      await connection.close();
    }
  } finally {
    clearInterval(sampler);
    await worker.kill('SIGTERM');
  }
}

/**
 * KMS requests per second S3 was asked for (one per update of an SSE-S3 object), over the busy span, or with
 * `trim`, over its middle only (that share of the span left out at each end: the start and the last pages'
 * drain, which a long migration has once).
 */
export function updatesPerSecond(requests: ServedRequest[], trim = 0): number {
  const updates = requests.filter(isUpdateObjectEncryption);
  if (updates.length < 2) return 0;
  const first = updates[0].at;
  const span = updates.at(-1)!.at - first + 1; // whole seconds, both ends included
  const from = first + Math.floor(span * trim);
  const to = first + span - Math.floor(span * trim); // exclusive
  return updates.filter((u) => u.at >= from && u.at < to).length / (to - from);
}

/** The way operators re-encrypt today: `aws s3 cp --recursive` over itself, with a given max_concurrent_requests. */
export async function runAwsCli(
  awsBin: string,
  env: NodeJS.ProcessEnv,
  bucket: string,
  keyArn: string,
  concurrency: number,
): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-awscli-'));
  const config = path.join(dir, 'config');
  writeFileSync(config, `[default]\nregion = ${env.AWS_REGION}\ns3 =\n  max_concurrent_requests = ${concurrency}\n`);
  const args = [
    's3',
    'cp',
    `s3://${bucket}/`,
    `s3://${bucket}/`,
    '--recursive',
    '--sse',
    'aws:kms',
    '--sse-kms-key-id',
    keyArn,
    '--endpoint-url',
    env.AWS_ENDPOINT_URL!,
    '--only-show-errors',
  ];
  const started = performance.now();
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(awsBin, args, {
        env: { ...env, AWS_CONFIG_FILE: config },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`aws s3 cp exited with ${code}`);
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
