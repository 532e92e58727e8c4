// npm run scale [-- --objects 10000,100000]: large migrations on the local stack (not in CI), one per size, with
// objects/s and worker RSS over time, continue-as-new count and largest histories, then a per-object comparison.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { Client, Connection } from '@temporalio/client';
import { createAwsClients } from '../activities/aws-clients';
import { liveProgress } from '../client/live-progress';
import { settledCount, type MigrationSummary } from '../common/types';
import { migrationWorkflowId } from '../common/workflow-ids';
import type { migrateBucket } from '../workflows';
import { historyStats, type HistoryStats } from './lib/history-stats';
import { processGroupMemoryMb } from './lib/process-memory';
import { runClient } from './lib/run-client';
import { seedSseS3Bucket } from './lib/seed-bucket';
import { spawnWorkerProcess } from './lib/worker-process';

const SAMPLE_EVERY_MS = 15_000;

interface ScaleResult {
  objects: number;
  seconds: number;
  history: HistoryStats;
  peakRssMb: number;
  /** Bytes the dev server's database grew by during the run. */
  databaseGrowth: number;
}

async function scaleRun(client: Client, objects: number): Promise<ScaleResult> {
  const env = process.env;
  const { s3, kms } = createAwsClients({ region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, maxSockets: 64 });
  const bucket = `scale-${objects}-${Date.now().toString(36)}`;
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'scale target key' }))).KeyMetadata!.Arn!;
  console.log(`\n== ${objects} objects: seeding s3://${bucket}`);
  await seedSseS3Bucket(s3, bucket, objects, 1024);
  s3.destroy();
  kms.destroy();

  const worker = await spawnWorkerProcess(env);
  try {
    const databaseBefore = temporalDatabaseBytes();
    const started = Date.now();
    const start = await runClient(['--bucket', bucket, '--kms-key', keyArn, '--max-kms-rps', '100000', '--json'], env);
    if (start.code !== 0) throw new Error(`could not start: ${start.stderr}`);
    const handle = client.workflow.getHandle<typeof migrateBucket>(migrationWorkflowId(bucket, ''));
    const result = handle.result() as Promise<MigrationSummary>;
    let finished = false;
    void result.finally(() => (finished = true));
    console.log('  t (s)   settled   objects/s (last interval)   worker RSS MB');
    let last = { at: started, settled: 0 };
    let peakRssMb = 0;
    while (!finished) {
      await Promise.race([sleep(SAMPLE_EVERY_MS), result]);
      if (finished) break;
      const progress = await liveProgress(client, handle).catch(() => undefined);
      const memory = processGroupMemoryMb(worker.child.pid!);
      peakRssMb = Math.max(peakRssMb, memory.peakMb);
      if (!progress) continue;
      const now = Date.now();
      const settled = settledCount(progress.counts);
      const rate = ((settled - last.settled) * 1000) / (now - last.at);
      console.log(
        `  ${String(Math.round((now - started) / 1000)).padStart(5)}   ${String(settled).padStart(7)}   ` +
          `${rate.toFixed(1).padStart(25)}   ${String(memory.rssMb).padStart(13)}`,
      );
      last = { at: now, settled };
    }
    const summary = await result;
    const seconds = (Date.now() - started) / 1000;
    peakRssMb = Math.max(peakRssMb, processGroupMemoryMb(worker.child.pid!).peakMb);
    if (summary.counts.migrated !== objects) throw new Error(`migrated ${summary.counts.migrated} of ${objects}`);
    const history = await historyStats(client, handle.workflowId);
    console.log(
      `  wall time ${seconds.toFixed(0)} s (${(objects / seconds).toFixed(1)} objects/s), continue-as-new ${history.coordinatorRuns - 1} times, ` +
        `largest history: coordinator run ${history.largestByType.migrateBucket}, page ` +
        `${history.largestByType.migratePage}; worker peak RSS ${peakRssMb} MB`,
    );
    const databaseGrowth = temporalDatabaseBytes() - databaseBefore;
    console.log(`  Temporal's SQLite database grew by ${(databaseGrowth / 2 ** 20).toFixed(1)} MB`);
    return { objects, seconds, history, peakRssMb, databaseGrowth };
  } finally {
    await worker.kill('SIGTERM');
  }
}

/** Bytes of the dev server's SQLite database (the stack's temporal.db and its write-ahead log). */
function temporalDatabaseBytes(): number {
  const file = path.join(process.env.STACK_DIR ?? '.stack', 'temporal.db');
  return [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
}

async function main(): Promise<void> {
  const opts = new Command('scale')
    .option('--objects <list>', 'object counts, one migration each', '10000,100000')
    .parse()
    .opts<{ objects: string }>();
  const sizes = opts.objects.split(',').map((n) => Number(n));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--objects must be whole numbers separated by commas, got "${opts.objects}"`);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const results: ScaleResult[] = [];
  try {
    for (const n of sizes) results.push(await scaleRun(new Client({ connection }), n));
  } finally {
    await connection.close();
  }
  console.log(
    '\n| objects | wall s | objects/s | s per 1,000 objects | events/object | continue-as-new | largest coordinator ' +
      'run | largest page | worker peak RSS MB | database growth MB (bytes/object) |',
  );
  console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    const h = r.history;
    console.log(
      `| ${r.objects} | ${r.seconds.toFixed(0)} | ${(r.objects / r.seconds).toFixed(1)} | ${((r.seconds * 1000) / r.objects).toFixed(1)} | ` +
        `${(h.totalEvents / r.objects).toFixed(2)} | ${h.coordinatorRuns - 1} | ${h.largestByType.migrateBucket} | ` +
        `${h.largestByType.migratePage} | ${r.peakRssMb} | ` +
        `${(r.databaseGrowth / 2 ** 20).toFixed(1)} (${Math.round(r.databaseGrowth / r.objects)}) |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`scale: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
