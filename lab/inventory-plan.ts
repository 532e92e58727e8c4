// npm run bench:inventory [-- --rows 1000000 --formats CSV,Parquet]: `plan --inventory` of a generated report of
// that many rows (not in CI), per format: wall time, rows/s, and the worker's CPU and peak memory from /proc.
import { Command } from 'commander';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients } from '../activities/aws-clients';
import { writeInventoryReport, type ReportRow } from './lib/inventory-report';
import { processGroupCpuMs } from './lib/process-cpu';
import { processGroupMemoryMb } from './lib/process-memory';
import { runClient } from './lib/run-client';
import { spawnWorkerProcess } from './lib/worker-process';

/** A bucket's worth of rows in the mix a real one has: mostly SSE-S3, some unencrypted, KMS, archived, locked. */
function* generatedRows(bucket: string, rows: number): Generator<ReportRow> {
  const modified = new Date('2025-06-01T00:00:00Z');
  for (let i = 0; i < rows; i++) {
    const pick = i % 100;
    yield {
      bucket,
      key: `data/${String(i % 1000).padStart(3, '0')}/object-${i}.json`,
      size: 1024 + (i % 4096),
      lastModified: modified,
      etag: (i * 2654435761).toString(16).padStart(32, '0').slice(-32),
      storageClass: pick >= 95 ? 'GLACIER' : 'STANDARD',
      isMultipartUploaded: false,
      encryptionStatus: pick < 70 ? 'SSE-S3' : pick < 90 ? 'NOT-SSE' : 'SSE-KMS',
      bucketKeyStatus: 'DISABLED',
      lockMode: pick === 99 ? 'COMPLIANCE' : undefined,
      lockRetainUntil: pick === 99 ? new Date('2099-01-01T00:00:00Z') : undefined,
    };
  }
}

async function main() {
  const opts = new Command()
    .option('--rows <n>', 'rows in the report', '1000000')
    .option('--formats <list>', 'CSV, Parquet or both', 'CSV,Parquet')
    .option('--rows-per-file <n>', 'rows per data file', '250000')
    .parse()
    .opts<{ rows: string; formats: string; rowsPerFile: string }>();
  const rows = Number(opts.rows);
  const env = process.env;
  const { s3, kms } = createAwsClients({ region: env.AWS_REGION!, endpoint: env.AWS_ENDPOINT_URL, maxSockets: 16 });
  const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'inventory plan key' }))).KeyMetadata!.Arn!;
  console.log('format    rows        files  write s  plan s   rows/s    worker CPU s  worker peak RSS MB');
  for (const format of opts.formats.split(',') as ('CSV' | 'Parquet')[]) {
    const stamp = Date.now().toString(36);
    const bucket = `inventory-plan-${format.toLowerCase()}-${stamp}`;
    const reports = `inventory-reports-${format.toLowerCase()}-${stamp}`;
    for (const b of [bucket, reports]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    const written = Date.now();
    const manifest = await writeInventoryReport(s3, generatedRows(bucket, rows), {
      sourceBucket: bucket,
      destinationBucket: reports,
      format,
      allVersions: false,
      rowsPerFile: Number(opts.rowsPerFile),
    });
    const writeSeconds = (Date.now() - written) / 1000;
    const worker = await spawnWorkerProcess(env);
    try {
      const pid = worker.child.pid!;
      const cpuBefore = processGroupCpuMs(pid);
      const started = Date.now();
      const plan = await runClient(
        ['plan', '--bucket', bucket, '--kms-key', keyArn, '--inventory', manifest, '--json'],
        env,
      );
      const seconds = (Date.now() - started) / 1000;
      if (plan.code !== 0) throw new Error(`plan failed: ${plan.stderr}`);
      const cpuSeconds = (processGroupCpuMs(pid) - cpuBefore) / 1000;
      const { peakMb } = processGroupMemoryMb(pid);
      const listed = plan.json.tally.listed.objects as number;
      if (listed !== rows) throw new Error(`the plan counted ${listed} rows, not ${rows}`);
      console.log(
        `${format.padEnd(9)} ${String(rows).padEnd(11)} ${String(plan.json.inventory.files).padEnd(6)} ` +
          `${writeSeconds.toFixed(1).padEnd(8)} ${seconds.toFixed(1).padEnd(8)} ${Math.round(rows / seconds)
            .toString()
            .padEnd(9)} ${cpuSeconds.toFixed(1).padEnd(13)} ${peakMb}`,
      );
      console.log(`  by action: ${JSON.stringify(plan.json.estimate.byAction)}`);
    } finally {
      await worker.kill('SIGTERM');
    }
  }
  s3.destroy();
  kms.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
