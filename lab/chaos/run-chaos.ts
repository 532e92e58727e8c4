import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { kmsTaskWeight } from '../../common/kms-budget';
import { Client, Connection } from '@temporalio/client';
import { createAwsClients } from '../../activities/aws-clients';
import { forEachConcurrently } from '../../common/concurrently';
import { DEFAULTS, type MigrationSummary } from '../../common/types';
import { migrationWorkflowId } from '../../common/workflow-ids';
import { mulberry32, startS3Proxy } from '../lib/fault-proxy';
import { busiestWindowOf, kmsRequests, WINDOW_MS } from '../lib/kms-windows';
import { runClient } from '../lib/run-client';
import { ROOT, spawnWorkerProcess, type WorkerProcess } from '../lib/worker-process';

export interface ChaosOptions {
  objects: number;
  /** SIGKILLs of the worker, at random moments, each followed by a restart. */
  kills: number;
  /**
   * What happens to Temporal meanwhile, one fault after each of the first worker kills: the dev server is
   * restarted; on a cluster (scripts/temporal-cluster.sh) the history service is SIGKILLed and started again,
   * PostgreSQL restarted, and the matching service (which holds the KMS queue's rate limiter) SIGKILLed and
   * started again.
   */
  temporal: 'dev' | 'cluster';
  /** The migration's KMS budget (--max-kms-rps); the report gives the busiest 5 seconds against it. */
  maxKmsRps?: number;
  faultRate: number;
  /** Share of objects the concurrent writer overwrites while the migration runs. */
  overwriteShare: number;
  pageSize: number;
  /** The writer spreads its overwrites over about this long (ms), so some land before and some after a copy. */
  writeOverMs: number;
  /** Pause before each kill: a random time between these (ms). */
  killEveryMs: [number, number];
  seed: number;
  log: (line: string) => void;
}

export interface ChaosReport {
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  workerKills: number;
  /** The faults Temporal went through, in order. */
  temporalFaults: string[];
  /** KMS requests S3 received in the busiest WINDOW_MS, and the most the budget allows there (110% + a task). */
  busiestKmsWindow: number;
  /** When the busiest window began, in seconds from the migration's start. */
  busiestKmsWindowAt: number;
  kmsWindowLimit?: number;
  overwritten: number;
  expected: number;
  /** Latest content, SSE-KMS under the key, tags complete. */
  correct: number;
  /** Overwritten after their copy: the latest content with the writer's encryption (legitimate). */
  overwrittenAfterCopy: number;
  lostOrWrong: string[];
  uploadsLeft: number;
  summary: MigrationSummary;
  seconds: number;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The Temporal faults of each kind of server, in the order they happen. */
const TEMPORAL_FAULTS: Record<ChaosOptions['temporal'], { what: string; steps: string[][]; pauseMs?: number }[]> = {
  dev: [{ what: 'Temporal dev server restarted (same database)', steps: [['scripts/stack.sh', 'restart-temporal']] }],
  cluster: [
    {
      what: 'history service SIGKILLed, started again 5 s later',
      steps: [
        ['scripts/temporal-cluster.sh', 'kill', 'history'],
        ['scripts/temporal-cluster.sh', 'restart', 'history'],
      ],
      pauseMs: 5000,
    },
    { what: 'PostgreSQL restarted', steps: [['scripts/temporal-cluster.sh', 'restart', 'postgresql']] },
    {
      what: 'matching service SIGKILLed, started again 5 s later',
      steps: [
        ['scripts/temporal-cluster.sh', 'kill', 'matching'],
        ['scripts/temporal-cluster.sh', 'restart', 'matching'],
      ],
      pauseMs: 5000,
    },
  ],
};

async function sufferTemporalFault(env: NodeJS.ProcessEnv, fault: (typeof TEMPORAL_FAULTS)['dev'][number]) {
  for (const [n, step] of fault.steps.entries()) {
    if (n > 0 && fault.pauseMs) await sleep(fault.pauseMs);
    const run = spawnSync('bash', step, { cwd: ROOT, env, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`${step.join(' ')} failed`);
  }
}

/** Temporal may be restarting: keep trying to reach it until `deadline`. */
async function withTemporal<T>(address: string, deadline: number, work: (client: Client) => Promise<T>): Promise<T> {
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        return await work(new Client({ connection }));
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(1000);
    }
  }
}

/**
 * Migrates a seeded bucket while the worker is SIGKILLed and restarted, the Temporal dev server is restarted,
 * a fault proxy injects 503/500/resets/latency and a writer overwrites objects; then reads every object back.
 */
export async function runChaos(env: NodeJS.ProcessEnv, o: ChaosOptions): Promise<ChaosReport> {
  // Clients of its own, destroyed at the end: a socket left open would keep a test process from exiting.
  const { s3, kms } = createAwsClients({ region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, maxSockets: 64 });
  try {
    return await migrateUnderChaos(env, s3, kms, o);
  } finally {
    s3.destroy();
    kms.destroy();
  }
}

async function migrateUnderChaos(
  env: NodeJS.ProcessEnv,
  s3: S3Client,
  kms: KMSClient,
  o: ChaosOptions,
): Promise<ChaosReport> {
  const random = mulberry32(o.seed);
  const bucket = `chaos-${Date.now().toString(36)}`;
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'chaos target key' }))).KeyMetadata!.Arn!;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = Array.from({ length: o.objects }, (_, i) => `c/${String(i).padStart(6, '0')}`);
  const latest = new Map<string, string>();
  const tagsOf = (i: number) => (i % 7 === 0 ? 'team=chaos&keep=yes' : undefined);
  o.log(`seeding ${o.objects} objects in ${bucket}`);
  // Every fifth object unencrypted: those take the copy path (UpdateObjectEncryption refuses them).
  const encryptionOf = (i: number) => (i % 5 === 0 ? undefined : ('AES256' as const));
  await forEachConcurrently(
    keys.map((Key, i) => ({ Key, i })),
    32,
    async ({ Key, i }) => {
      const body = randomBytes(512);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key,
          Body: body,
          ServerSideEncryption: encryptionOf(i),
          Tagging: tagsOf(i),
        }),
      );
      latest.set(Key, sha(body));
    },
  );

  const proxy = await startS3Proxy(env.AWS_ENDPOINT_URL!, undefined, {
    rate: o.faultRate,
    seed: o.seed,
    maxLatencyMs: 1500,
  });
  const workerEnv = { ...env, AWS_ENDPOINT_URL: proxy.endpoint };
  let worker: WorkerProcess | undefined = await spawnWorkerProcess(workerEnv);
  const started = Date.now();
  const id = migrationWorkflowId(bucket, '');
  let done = false;
  let kills = 0;
  const temporalFaults: string[] = [];
  const faults = TEMPORAL_FAULTS[o.temporal];
  const overwritten = new Set<string>();
  try {
    const start = await runClient(
      [
        ...['--bucket', bucket, '--kms-key', keyArn, '--page-size', String(o.pageSize), '--json'],
        ...(o.maxKmsRps ? ['--max-kms-rps', String(o.maxKmsRps)] : []),
      ],
      env,
    );
    if (start.code !== 0) throw new Error(`could not start the migration: ${start.stderr}`);
    const result = withTemporal(
      env.TEMPORAL_ADDRESS!,
      Date.now() + 30 * 60_000,
      (client) => client.workflow.getHandle(id).result() as Promise<MigrationSummary>,
    ).finally(() => (done = true));

    const writer = (async () => {
      const victims = keys.filter(() => random() < o.overwriteShare);
      const gapMs = o.writeOverMs / Math.max(1, victims.length);
      for (const Key of victims) {
        await sleep(random() * 2 * gapMs);
        if (done) break;
        const body = randomBytes(256 + Math.floor(random() * 512)); // lengths change too
        // The writer's PUT is the latest write once it returns: that content is what must survive.
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body, ServerSideEncryption: 'AES256' }));
        latest.set(Key, sha(body));
        overwritten.add(Key);
      }
    })();

    const chaos = (async () => {
      for (let i = 0; i < o.kills && !done; i++) {
        const [least, most] = o.killEveryMs;
        await sleep(least + random() * (most - least));
        if (done) break;
        await worker!.kill('SIGKILL');
        kills++;
        o.log(`SIGKILL worker (${kills}/${o.kills}) at ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const fault = faults[i];
        if (fault) {
          o.log(`${fault.what}, at ${((Date.now() - started) / 1000).toFixed(1)} s`);
          await sufferTemporalFault(env, fault);
          temporalFaults.push(fault.what);
        }
        worker = await spawnWorkerProcess(workerEnv);
      }
    })();

    const [summary] = await Promise.all([result, writer, chaos]);
    const seconds = (Date.now() - started) / 1000;
    o.log(`migration finished in ${seconds.toFixed(0)} s; verifying every object`);

    let correct = 0;
    let overwrittenAfterCopy = 0;
    const lostOrWrong: string[] = [];
    await forEachConcurrently(
      keys.map((Key, i) => ({ Key, i })),
      32,
      async ({ Key, i }) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const body = await got.Body!.transformToByteArray();
        const tags = (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key }))).TagSet ?? [];
        const tagged = tags.some((t) => t.Key === DEFAULTS.tagKey && t.Value === DEFAULTS.tagValue);
        const originalTagsKept = overwritten.has(Key) || !tagsOf(i) || tags.some((t) => t.Key === 'team');
        const sameContent = sha(body) === latest.get(Key);
        if (
          sameContent &&
          got.ServerSideEncryption === 'aws:kms' &&
          got.SSEKMSKeyId === keyArn &&
          tagged &&
          originalTagsKept
        )
          correct++;
        else if (sameContent && overwritten.has(Key) && got.ServerSideEncryption === 'AES256') overwrittenAfterCopy++;
        else
          lostOrWrong.push(
            `${Key}: content ${sameContent ? 'latest' : 'NOT latest'}, ${got.ServerSideEncryption} ` +
              `${got.SSEKMSKeyId ?? ''}, tagged ${tagged}`,
          );
      },
    );
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0] })); // the endpoint still answers
    const f = proxy.faults;
    const busiest = busiestWindowOf(kmsRequests(proxy.timeline, [bucket], started));
    return {
      faultsInjected: f.slowDown503 + f.internalError500 + f.resetAfterForwarding + f.delayed,
      faultsByKind: { ...f },
      workerKills: kills,
      temporalFaults,
      busiestKmsWindow: busiest.kms,
      busiestKmsWindowAt: (busiest.from - started) / 1000,
      kmsWindowLimit: o.maxKmsRps
        ? Math.floor((1.1 * o.maxKmsRps * WINDOW_MS) / 1000 + kmsTaskWeight(o.maxKmsRps))
        : undefined,
      overwritten: overwritten.size,
      expected: keys.length,
      correct,
      overwrittenAfterCopy,
      lostOrWrong,
      uploadsLeft: uploads.Uploads?.length ?? 0,
      summary,
      seconds,
    };
  } finally {
    done = true;
    await worker?.kill('SIGTERM');
    await proxy.close();
  }
}

export function chaosTable(r: ChaosReport): string {
  const rows: [string, string | number][] = [
    [
      'faults injected (503 / 500 / reset / delay)',
      `${r.faultsInjected} (${r.faultsByKind.slowDown503} / ${r.faultsByKind.internalError500} / ` +
        `${r.faultsByKind.resetAfterForwarding} / ${r.faultsByKind.delayed})`,
    ],
    ['worker SIGKILLs (each restarted)', r.workerKills],
    ['Temporal faults', r.temporalFaults.join('; ') || 'none'],
    [
      `busiest ${WINDOW_MS / 1000} s of KMS requests at S3` + (r.kmsWindowLimit ? ' (the most the budget allows)' : ''),
      `${r.busiestKmsWindow}` +
        (r.kmsWindowLimit ? ` (${r.kmsWindowLimit})` : '') +
        `, from ${r.busiestKmsWindowAt.toFixed(1)} s`,
    ],
    ['objects overwritten by the writer', r.overwritten],
    ['objects expected', r.expected],
    ['objects correct (latest content, SSE-KMS under the key, tags complete)', r.correct],
    ["overwritten after their copy (latest content, writer's encryption)", r.overwrittenAfterCopy],
    ['objects lost or wrong (must be 0)', r.lostOrWrong.length],
    ['multipart uploads left (must be 0)', r.uploadsLeft],
    [
      'migration: migrated / already done / re-checked / failed',
      `${r.summary.counts.migrated} / ${r.summary.counts.alreadyDone} / ${r.summary.counts.rechecked} / ` +
        `${r.summary.counts.failed}`,
    ],
    ['wall time', `${r.seconds.toFixed(0)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
