// npm run demo [-- --keep] [-- --objects N]: the whole product on the local stack, start to finish.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { createAwsClients } from '../activities/aws-clients';
import { MIB } from '../common/s3-limits';
import { readStackEnv } from '../lab/lib/stack-env';
import { ROOT, TSX, spawnWorkerProcess } from '../lab/lib/worker-process';
import { seedDemoBucket } from './demo/seed';
import { census, type Census } from '../lab/lib/census';

const STACK_DIR = path.join(ROOT, '.stack');

function stack(command: 'up' | 'down'): void {
  const run = spawnSync('bash', ['scripts/stack.sh', command], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, STACK_DIR },
  });
  if (run.status !== 0) throw new Error(`stack ${command} failed (exit ${run.status})`);
}

function runClient(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['client/migrate.ts', ...args], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function table(before: Census, after: Census): string {
  const states = [...new Set([...Object.keys(before.byState), ...Object.keys(after.byState)])].sort();
  const rows = states.map(
    (s) =>
      `  ${s.padEnd(22)} ${String(before.byState[s] ?? 0).padStart(7)} ${String(after.byState[s] ?? 0).padStart(7)}`,
  );
  return [
    `  ${'encryption'.padEnd(22)} ${'before'.padStart(7)} ${'after'.padStart(7)}`,
    ...rows,
    `  ${'total'.padEnd(22)} ${String(before.total).padStart(7)} ${String(after.total).padStart(7)}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const opts = new Command('demo')
    .option('--keep', 'leave the stack running afterwards, to browse the Web UI', false)
    .option('--objects <n>', 'objects in the demo bucket', '2000')
    .parse()
    .opts<{ keep: boolean; objects: string }>();

  console.log('== 1. local stack: Temporal dev server + moto (S3 and KMS)');
  stack('up');
  const env = { ...process.env, ...readStackEnv(path.join(STACK_DIR, 'env')) };
  Object.assign(process.env, env);
  const { s3, kms } = createAwsClients({ region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, maxSockets: 64 });
  let worker;
  try {
    console.log(`== 2. seeding a bucket with ${opts.objects} objects`);
    const demo = await seedDemoBucket(s3, kms, Number(opts.objects));
    const before = await census(s3, demo.bucket, demo.keyArn);
    console.log(`bucket ${demo.bucket}, target key ${demo.keyAlias} (${demo.keyArn})`);

    console.log('== 3. worker');
    worker = await spawnWorkerProcess(env);

    console.log('== 4. migration, through the client script');
    const args = [
      '--bucket',
      demo.bucket,
      '--kms-key',
      demo.keyAlias,
      '--multipart-threshold',
      String(8 * MIB),
      '--part-size',
      String(5 * MIB),
      '--wait',
    ];
    console.log(`npm run migrate -- ${args.join(' ')}`);
    const exitCode = await runClient(args, env);

    console.log('\n== 5. verification: HEAD and tags of every object, read from S3');
    const after = await census(s3, demo.bucket, demo.keyArn);
    console.log(table(before, after));
    console.log(`  verified (under the target key and tagged): ${after.verified} of ${after.total}`);
    if (after.unverified.length) console.log(`  not verified: ${after.unverified.slice(0, 20).join(', ')}`);
    console.log(`\nWeb UI: ${env.TEMPORAL_UI_URL}/namespaces/default/workflows`);
    const ok = exitCode === 0 && after.verified === after.total && after.total === demo.objects;
    console.log(ok ? 'DEMO OK: every object verified' : `DEMO FAILED (client exit ${exitCode})`);
    return ok ? 0 : 1;
  } finally {
    await worker?.kill('SIGTERM');
    if (opts.keep) console.log(`stack left running (--keep): source .stack/env; npm run stack:down to stop it`);
    else stack('down');
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
