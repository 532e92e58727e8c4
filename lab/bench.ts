// npm run bench [-- --objects N --size BYTES]: the raw loop (the product's S3 calls on the same engine), this
// product, this product under a KMS budget below what the endpoint serves, and the AWS CLI, side by side on
// the same local S3/KMS endpoint, each on freshly seeded SSE-S3 objects. Run by `npm run bench`, which starts a
// stack of its own. Prints a table, then one JSON object as the last line. objects/s is over each contender's
// own run ("run s"): the raw loop's, the migration's from its start to its close (Temporal's times); "wall s"
// adds the client's own start and connection (the operator's `npm run migrate`, through tsx).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { createAwsClients } from '../activities/aws-clients';
import { census } from './lib/census';
import { runAwsCli, runFloor, runProduct, runRaw, updatesPerSecond, type Outcome } from './bench/contenders';
import { FLOOR_CLIENT, floorClientFromEnv, s3ClientCpu, type ClientCpu } from './bench/s3-client-cpu';
import { startKeepAliveFront } from './bench/keep-alive-front';
import { ROOT } from './lib/worker-process';
import { seedSseS3Bucket } from './lib/seed-bucket';
import { DEFAULTS } from '../common/types';

/** The worker's defaults (workers/config.ts): KMS-queue slots, and sockets = S3-queue slots + KMS-queue slots. */
const WORKER_COPY_SLOTS = 100;
/** The budget-tracking run's budget, as a share of what the raw loop got from the endpoint, and its length. */
const BUDGET_SHARE_OF_RAW = 0.5;
const BUDGET_RUN_SECONDS = 60;
/** The budget run's steady state: its span without the first and last 10%. */
const STEADY_TRIM = 0.1;
/** Requests of each kind for the S3 client's CPU per request. */
const CLIENT_CPU_REQUESTS = 2000;
const WORKER_SOCKETS = 300;
const AWSCLI_DEFAULT_CONCURRENCY = 10;
/** The rate the projection is for: half of a 50,000 requests/s KMS quota, or any budget with Bucket Keys. */
const PROJECTED_OBJECTS_PER_SECOND = 25_000;

interface Row extends Outcome {
  name: string;
  objects: number;
  correct: number;
}

async function seed(
  s3: S3Client,
  label: string,
  objects: number,
  size: number,
): Promise<{ bucket: string; keys: string[] }> {
  const bucket = `bench-${label}-${Date.now().toString(36)}`;
  return { bucket, keys: await seedSseS3Bucket(s3, bucket, objects, size) };
}

function awsCliBinary(): string {
  const install = spawnSync('bash', ['scripts/install-stack.sh', 'awscli'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (install.status !== 0) throw new Error('could not install the AWS CLI (scripts/install-stack.sh awscli)');
  return path.join(install.stdout.trim(), `awscli-${process.env.AWSCLI_VERSION ?? '1.46.3'}`, 'bin', 'aws');
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '—' : n.toFixed(digits));

const perObject = (n: number | undefined, r: Row, digits: number) =>
  n === undefined ? '—' : (n / r.objects).toFixed(digits);

/** The emulator's CPU per request it served: when it stays the same, a slower contender waited on something else. */
const perRequest = (r: Row) =>
  r.endpointCpuMs === undefined || !r.requests?.length ? '—' : (r.endpointCpuMs / r.requests.length).toFixed(2);

function printTable(rows: Row[]): void {
  const header = [
    'contender',
    'objects/s',
    'run s',
    'wall s',
    'correct',
    'CPU ms/object (own)',
    'Temporal CPU ms/object',
    'endpoint CPU ms/request',
    'S3 requests/object',
    'history events/object',
    'activity tasks/object',
    'largest history',
    'worker peak RSS MB',
  ];
  const lines = rows.map((r) => [
    r.name,
    fmt(r.objects / r.seconds, 1),
    fmt(r.seconds, 1),
    fmt(r.wallSeconds ?? r.seconds, 1),
    `${r.correct}/${r.objects}`,
    perObject(r.cpuMs, r, 2),
    perObject(r.temporalCpuMs, r, 2),
    perRequest(r),
    perObject(r.requests?.length, r, 2),
    perObject(r.history?.totalEvents, r, 3),
    perObject(r.history?.activities, r, 3),
    fmt(r.history?.largestHistory),
    fmt(r.workerPeakRssMb),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const show = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(show(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(show(l));
}

/** Temporal's CPU per object, split into what idling costs over the run (per second) and what the objects cost. */
const aboveIdle = (r: Row) =>
  r.temporalCpuMs === undefined || !r.idle
    ? undefined
    : r.temporalCpuMs - r.idle.temporalMsPerSecond * (r.wallSeconds ?? r.seconds);

/** Where the product's history events go, per page of objects: the events of each kind that cost the most. */
function printEventTypes(row: Row, pageSize: number): void {
  const byType = Object.entries(row.history?.eventsByType ?? {}).sort((a, b) => b[1] - a[1]);
  const perPage = (n: number) => ((n / row.objects) * pageSize).toFixed(1);
  console.log(
    `${row.name}: history events per page of ${pageSize} objects: ${byType.map(([type, n]) => `${type} ${perPage(n)}`).join(', ')}`,
  );
}

function printIdle(rows: Row[]): void {
  for (const r of rows.filter((row) => row.idle)) {
    const { temporalMsPerSecond, workerMsPerSecond } = r.idle!;
    console.log(
      `${r.name}: idle, with the worker connected, Temporal spends ${temporalMsPerSecond.toFixed(1)} CPU ms/s and the worker ` +
        `${workerMsPerSecond.toFixed(1)}; of Temporal's ${perObject(r.temporalCpuMs, r, 2)} ms/object, ` +
        `${perObject(aboveIdle(r), r, 2)} is above that`,
    );
  }
}

/** Each client's CPU per request, and how many times the floor client's that is. */
function printClientCpu(rows: ClientCpu[]): void {
  const kinds = Object.keys(rows[0].perRequestMs);
  const floor = rows.find((r) => r.client === FLOOR_CLIENT)!;
  const cell = (r: ClientCpu, k: string) =>
    `${r.perRequestMs[k].toFixed(2)} (${(r.perRequestMs[k] / floor.perRequestMs[k]).toFixed(1)}×)`;
  console.log(`| S3 client | ${kinds.map((k) => `${k} CPU ms/request (× floor)`).join(' | ')} |`);
  console.log(`|---|${kinds.map(() => '--:').join('|')}|`);
  for (const r of rows) console.log(`| ${r.client} | ${kinds.map((k) => cell(r, k)).join(' | ')} |`);
  console.log('');
}

/** Cores of this machine each contender would need at PROJECTED_OBJECTS_PER_SECOND, from its CPU per object. */
function printProjection(rows: { name: string; cpuMsPerObject: number }[]): void {
  const cores = (ms: number) => ((ms * PROJECTED_OBJECTS_PER_SECOND) / 1000).toFixed(0);
  console.log(`\nAt ${PROJECTED_OBJECTS_PER_SECOND.toLocaleString('en')} objects/s, cores of this machine:`);
  for (const r of rows)
    console.log(`  ${r.name}: ${cores(r.cpuMsPerObject)} (${r.cpuMsPerObject.toFixed(2)} ms/object)`);
}

async function main(): Promise<void> {
  const opts = new Command('bench')
    .option('--objects <n>', 'objects per contender', '5000')
    .option('--size <bytes>', 'bytes per object', '1024')
    .option(
      '--awscli-concurrency <list>',
      "max_concurrent_requests values to try besides the default 10, or 'none' for no AWS CLI run",
      '32,100',
    )
    .option(
      '--keep-alive-front',
      'measure through a loopback front that keeps connections open, as S3 does (the emulator closes each one)',
      false,
    )
    .parse()
    .opts<{ objects: string; size: string; awscliConcurrency: string; keepAliveFront: boolean }>();
  const objects = Number(opts.objects);
  const size = Number(opts.size);
  if (!Number.isInteger(objects) || objects < 1)
    throw new Error(`--objects must be a whole number ≥ 1, got "${opts.objects}"`);
  if (!Number.isInteger(size) || size < 0)
    throw new Error(`--size must be a whole number of bytes, got "${opts.size}"`);
  const cliLevels =
    opts.awscliConcurrency === 'none'
      ? []
      : [
          AWSCLI_DEFAULT_CONCURRENCY,
          ...opts.awscliConcurrency
            .split(',')
            .map(Number)
            .filter((n) => n > 0),
        ];

  // Seeding and reading back go straight to the endpoint; the contenders, through the front if asked.
  const front = opts.keepAliveFront ? await startKeepAliveFront(process.env.AWS_ENDPOINT_URL!) : undefined;
  const env = front ? { ...process.env, AWS_ENDPOINT_URL: front.endpoint } : process.env;
  if (front) console.error(`[bench] contenders reach the endpoint through a keep-alive front at ${front.endpoint}`);
  process.on('exit', () => front?.stop());
  const { s3, kms } = createAwsClients({
    region: env.AWS_REGION!,
    endpoint: process.env.AWS_ENDPOINT_URL,
    maxSockets: WORKER_SOCKETS,
  });
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'bench target key' }))).KeyMetadata!.Arn!;
  const aws = cliLevels.length > 0 ? awsCliBinary() : '';
  const rows: Row[] = [];
  const contend = async (
    name: string,
    label: string,
    run: (bucket: string, keys: string[]) => Promise<Outcome>,
    tagged = true,
    count = objects,
  ) => {
    console.error(`[bench] ${name}: seeding ${count} objects of ${size} bytes`);
    const { bucket, keys } = await seed(s3, label, count, size);
    console.error(`[bench] ${name}: running`);
    const outcome = await run(bucket, keys);
    const after = await census(s3, bucket, keyArn);
    const correct = tagged ? after.verified : (after.byState['SSE-KMS (target key)'] ?? 0);
    rows.push({ name, objects: count, correct, ...outcome });
    console.error(`[bench] ${name}: ${(count / outcome.seconds).toFixed(1)} objects/s, ${correct}/${count} correct`);
  };

  console.error(`[bench] S3 client CPU per request: seeding ${CLIENT_CPU_REQUESTS} objects`);
  const clientBucket = await seed(s3, 'client', CLIENT_CPU_REQUESTS, size);
  const clientCpu = await s3ClientCpu(env, clientBucket.bucket, clientBucket.keys, keyArn);

  // The raw loop is the SDK's: the worker's client settings, every request through the SDK's stack.
  const sdkOnly = createAwsClients({
    region: env.AWS_REGION!,
    endpoint: env.AWS_ENDPOINT_URL,
    maxSockets: WORKER_SOCKETS,
    lean: false,
  });
  await contend(`raw loop, SDK (${WORKER_COPY_SLOTS} at once)`, 'raw', (bucket, keys) =>
    runRaw(sdkOnly.s3, bucket, keys, keyArn, WORKER_COPY_SLOTS),
  );
  await contend('s3-kms-migrator (1 worker)', 'product', (bucket) => runProduct(env, bucket, keyArn, objects));
  // Each update of an SSE-S3 object costs one KMS request: a budget at half of what the raw loop got.
  const budget = Math.max(1, Math.round(updatesPerSecond(rows[0].requests ?? []) * BUDGET_SHARE_OF_RAW));
  const budgetObjects = Math.min(objects, budget * BUDGET_RUN_SECONDS);
  await contend(
    `s3-kms-migrator at --max-kms-rps ${budget}`,
    'budget',
    (bucket) => runProduct(env, bucket, keyArn, budgetObjects, { maxKmsRps: budget }),
    true,
    budgetObjects,
  );
  const budgetRow = rows[2];
  // The fallback: every object copied (as for unencrypted objects), batched the same way.
  await contend('s3-kms-migrator --engine copy', 'copy', (bucket) =>
    runProduct(env, bucket, keyArn, objects, { args: ['--engine', 'copy'] }),
  );
  const floorClient = floorClientFromEnv(env, WORKER_COPY_SLOTS);
  await contend(`floor: minimal signed client, same requests (${WORKER_COPY_SLOTS} at once)`, 'floor', (bucket, keys) =>
    runFloor(floorClient, bucket, keys, keyArn, WORKER_COPY_SLOTS),
  );
  floorClient.destroy();
  // The product as it was before the lean hot path, in the same run: every S3 request through the SDK's stack.
  await contend('s3-kms-migrator, MIGRATOR_S3_CLIENT=sdk (1 worker)', 'product-sdk', (bucket) =>
    runProduct({ ...env, MIGRATOR_S3_CLIENT: 'sdk' }, bucket, keyArn, objects),
  );
  const achieved = updatesPerSecond(budgetRow.requests ?? []);
  const achievedSteady = updatesPerSecond(budgetRow.requests ?? [], STEADY_TRIM);
  for (const level of cliLevels) {
    const name =
      `aws s3 cp --recursive (max_concurrent_requests ` +
      `${level}${level === AWSCLI_DEFAULT_CONCURRENCY ? ', default' : ''})`;
    await contend(name, `awscli${level}`, (bucket) => runAwsCli(aws, env, bucket, keyArn, level), false);
  }

  printClientCpu(clientCpu);
  printTable(rows);
  printIdle(rows);
  printEventTypes(rows[1], DEFAULTS.pageSize);
  const pct = (n: number) => `${Math.round((n / budget) * 100)}% of it`;
  console.log(
    `\nKMS budget ${budget} requests/s: ${achieved.toFixed(1)}/s over the whole run (${pct(achieved)}), ` +
      `${achievedSteady.toFixed(1)}/s in its steady middle (${pct(achievedSteady)})\n`,
  );
  const ops = (r: Row) => r.objects / r.seconds;
  const [raw, product, , copying, floor, productSdk, ...clis] = rows;
  const msPerObject = (ms: number | undefined) => (ms ?? 0) / objects;
  printProjection([
    { name: 'worker (s3-kms-migrator, 1 worker)', cpuMsPerObject: msPerObject(product.cpuMs) },
    { name: 'worker, MIGRATOR_S3_CLIENT=sdk', cpuMsPerObject: msPerObject(productSdk.cpuMs) },
    { name: 'Temporal server', cpuMsPerObject: msPerObject(product.temporalCpuMs) },
    { name: 'raw loop (SDK)', cpuMsPerObject: msPerObject(raw.cpuMs) },
    { name: 'floor (minimal signed client)', cpuMsPerObject: msPerObject(floor.cpuMs) },
  ]);
  const bestCli = clis.length > 0 ? clis.reduce((best, r) => (ops(r) > ops(best) ? r : best)) : undefined;
  const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      objects,
      keep_alive_front: Boolean(front),
      size_bytes: size,
      raw_ops: round(ops(raw), 1),
      product_ops: round(ops(product), 1),
      awscli_ops: bestCli && round(ops(bestCli), 1),
      awscli_default_ops: bestCli && round(ops(clis[0]), 1),
      awscli_best_concurrency: bestCli && cliLevels[clis.indexOf(bestCli)],
      ratio_raw: round(ops(product) / ops(raw)),
      ratio_awscli: bestCli && round(ops(product) / ops(bestCli)),
      max_history_events: product.history?.largestHistory,
      history_events_per_object: round((product.history?.totalEvents ?? 0) / objects, 3),
      activity_tasks_per_object: round((product.history?.activities ?? 0) / objects, 3),
      raw_cpu_ms_per_object: round((raw.cpuMs ?? 0) / objects),
      worker_cpu_ms_per_object: round((product.cpuMs ?? 0) / objects),
      temporal_cpu_ms_per_object: round((product.temporalCpuMs ?? 0) / objects),
      temporal_idle_cpu_ms_per_second: product.idle && round(product.idle.temporalMsPerSecond, 1),
      temporal_cpu_ms_per_object_above_idle: round((aboveIdle(product) ?? 0) / objects),
      worker_idle_cpu_ms_per_second: product.idle && round(product.idle.workerMsPerSecond, 1),
      worker_cpu_vs_raw: round((product.cpuMs ?? 0) / (raw.cpuMs ?? 1)),
      floor_cpu_ms_per_object: round(msPerObject(floor.cpuMs)),
      floor_cpu_vs_raw: round((floor.cpuMs ?? 0) / (raw.cpuMs ?? 1)),
      sdk_client_product_ops: round(ops(productSdk), 1),
      sdk_client_worker_cpu_ms_per_object: round(msPerObject(productSdk.cpuMs)),
      sdk_client_worker_cpu_vs_raw: round((productSdk.cpuMs ?? 0) / (raw.cpuMs ?? 1)),
      sdk_client_temporal_cpu_ms_per_object: round(msPerObject(productSdk.temporalCpuMs)),
      worker_cpu_vs_floor: round((product.cpuMs ?? 0) / (floor.cpuMs ?? 1)),
      floor_s3_requests_per_object: round((floor.requests?.length ?? 0) / objects),
      projected_objects_per_second: PROJECTED_OBJECTS_PER_SECOND,
      projected_worker_cores: round((msPerObject(product.cpuMs) * PROJECTED_OBJECTS_PER_SECOND) / 1000, 0),
      projected_temporal_cores: round((msPerObject(product.temporalCpuMs) * PROJECTED_OBJECTS_PER_SECOND) / 1000, 0),
      raw_endpoint_cpu_ms_per_request: round((raw.endpointCpuMs ?? 0) / (raw.requests?.length ?? 1)),
      product_endpoint_cpu_ms_per_request: round((product.endpointCpuMs ?? 0) / (product.requests?.length ?? 1)),
      raw_s3_requests_per_object: round((raw.requests?.length ?? 0) / objects),
      product_s3_requests_per_object: round((product.requests?.length ?? 0) / objects),
      budget_kms_rps: budget,
      budget_achieved_kms_rps: round(achieved, 1),
      budget_tracking: round(achieved / budget),
      budget_achieved_steady_kms_rps: round(achievedSteady, 1),
      budget_tracking_steady: round(achievedSteady / budget),
      copy_engine_ops: round(ops(copying), 1),
      copy_engine_worker_cpu_ms_per_object: round((copying.cpuMs ?? 0) / objects),
      copy_engine_temporal_cpu_ms_per_object: round((copying.temporalCpuMs ?? 0) / objects),
      copy_engine_history_events_per_object: round((copying.history?.totalEvents ?? 0) / objects, 3),
      copy_engine_activity_tasks_per_object: round((copying.history?.activities ?? 0) / objects, 3),
      worker_peak_rss_mb: product.workerPeakRssMb,
      correct: Object.fromEntries(rows.map((r) => [r.name, r.correct])),
      s3_client_cpu_ms_per_request: Object.fromEntries(
        clientCpu.map((c) => [
          c.client,
          Object.fromEntries(Object.entries(c.perRequestMs).map(([k, v]) => [k, round(v)])),
        ]),
      ),
    }),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
