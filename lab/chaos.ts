// npm run chaos [-- --objects N --kills K]: a migration under crashes, a Temporal restart, injected faults and a
// concurrent writer, then an independent check of every object. Run by `npm run chaos` on a stack of its own;
// `npm run chaos:cluster` on a cluster of its own (scripts/temporal-cluster.sh), whose services and PostgreSQL
// are killed and restarted, at a KMS budget whose busiest 5 seconds it reports.
import { Command } from 'commander';
import { chaosTable, runChaos } from './chaos/run-chaos';

async function main(): Promise<number> {
  const opts = new Command('chaos')
    .option('--objects <n>', 'objects to migrate', '5000')
    .option('--kills <n>', 'worker SIGKILLs', '6')
    .option('--faults <share>', 'share of S3/KMS requests that get a fault', '0.1')
    .option('--overwrite <share>', 'share of objects a concurrent writer overwrites', '0.05')
    .option('--seed <n>', 'random seed (faults, timing, victims)', String(Date.now() % 100000))
    .option('--max-kms-rps <n>', "the migration's KMS budget (default: the client's)")
    .parse()
    .opts<{ objects: string; kills: string; faults: string; overwrite: string; seed: string; maxKmsRps?: string }>();
  const number = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`--${name} must be a number from ${min} to ${max}, got "${value}"`);
    return n;
  };
  const objects = number('objects', opts.objects, 1, 1_000_000);
  const report = await runChaos(process.env, {
    objects,
    kills: number('kills', opts.kills, 0, 1000),
    temporal: 'dev',
    faultRate: number('faults', opts.faults, 0, 0.5),
    overwriteShare: number('overwrite', opts.overwrite, 0, 1),
    pageSize: 500,
    killEveryMs: [5000, 15000],
    writeOverMs: (objects / Math.min(25, Number(opts.maxKmsRps ?? 25))) * 1000, // about how long the migration takes here
    seed: number('seed', opts.seed, 0, 2 ** 31),
    log: (line) => console.error(`[chaos] ${line}`),
  });
  console.log(chaosTable(report));
  for (const line of report.lostOrWrong.slice(0, 20)) console.log(`  lost or wrong: ${line}`);
  const budgetHeld = report.kmsWindowLimit === undefined || report.busiestKmsWindow <= report.kmsWindowLimit;
  const ok =
    report.lostOrWrong.length === 0 && report.uploadsLeft === 0 && report.summary.counts.failed === 0 && budgetHeld;
  console.log(ok ? 'CHAOS OK: nothing lost' + (report.kmsWindowLimit ? ', the KMS budget held' : '') : 'CHAOS FAILED');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
