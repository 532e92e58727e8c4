#!/usr/bin/env node
// The operators' command: wires each subcommand's options to the module that carries it out.
import { basename } from 'node:path';
import { Command } from 'commander';
import { withTemporal } from './connect';
import { runStart } from './start-command';
import { runStatus } from './status-command';
import { printPolicyOutcome, runPolicy } from './policy-command';
import { runPlan } from './plan-command';
import { formatReport, migrationReport, reportAsCsv } from './report-command';
import { formatPlan } from './plan-estimate';
import { cancelMigration, pauseMigration, resumeMigration, setMigrationRate } from './control';
import { describeKmsQueue } from './kms-budget';
import { budgetFrom } from './options';
import { EXIT_CANNOT_RUN, EXIT_OK } from './summary';
import { isSealedPayload, SEALED } from './describe-migration';

/** `migrate` in a checkout (npm run migrate), the command's own name where it is installed (s3-kms-migrator). */
const NAME = /migrate\.[jt]s$/.test(process.argv[1] ?? '') ? 'migrate' : basename(process.argv[1] ?? 's3-kms-migrator');

function program(): Command {
  const cmd = new Command(NAME)
    .enablePositionalOptions() // options after a subcommand are the subcommand's (both have --json)
    .description('Re-encrypt every existing object of an S3 bucket (or prefix) in place under a KMS key')
    .option(
      '--bucket <name>',
      'bucket to migrate (repeat it for several: one migration each, under the one KMS budget)',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option('--buckets-tagged <KEY=VALUE>', 'every bucket of the region carrying this tag, such as __Inventory=true')
    .option('--kms-key <id>', 'target KMS key: alias/NAME, key ID or key ARN')
    .option('--prefix <prefix>', 'only keys that start with this prefix', '')
    .option('--bucket-key', 'enable S3 Bucket Keys on the re-encrypted objects (far fewer KMS requests)', false)
    .option(
      '--all-versions',
      'versioned buckets: re-encrypt the noncurrent versions too, in place by version ID',
      false,
    )
    .option(
      '--copy-locked',
      'copy objects under Object Lock (S3 refuses to update them): their data is then stored twice until the lock ' +
        'ends; default: skip them',
      false,
    )
    .option(
      '--expected-bucket-owner <account>',
      "the account that must own the bucket, sent with every request to it (default: the worker's own account)",
    )
    .option(
      '--report-bucket-owner <account>',
      "the account that must own the --report-uri bucket (default: the bucket's owner)",
    )
    .option(
      '--requester-pays',
      "the bucket is Requester Pays: every request says the requester (the worker's account) pays",
      false,
    )
    .option(
      '--require-finished-bucket',
      'with --wait: exit 4 when every object is under the key but the default encryption or the policy is not',
      false,
    )
    .option(
      '--report-uri <s3://bucket/prefix/>',
      'write every skipped or failed object there as CSV, page by page, with a manifest',
    )
    .option(
      '--set-default-encryption',
      "before listing, set the bucket's default encryption to the key (the previous one is in the summary)",
      false,
    )
    .option(
      '--engine <engine>',
      'auto: update in place where S3 offers it, copy what it refuses; copy: copy every object',
      'auto',
    )
    .option('--multipart-threshold <bytes>', 'objects larger than this are copied in parts (default 5 GiB)')
    .option(
      '--part-size <bytes>',
      'part size for multipart copies (default 512 MiB; raised to stay within 10,000 parts)',
    )
    .option('--page-size <n>', 'objects per page workflow (1-1000, default 500)')
    .option('--pages-in-flight <n>', 'page workflows running at once (default 4)')
    .option('--pages-per-run <n>', 'pages per coordinator run before it continues as new (default 25)')
    .option(
      '--max-kms-rps <n>',
      "KMS requests per second all running migrations together may cause: the namespace's one budget (overrides " +
        'quota × share)',
    )
    .option('--kms-quota-rps <n>', "the account's regional KMS request quota (default 5500)")
    .option('--kms-share <share>', 'share of that quota for the running migrations (default 0.5)')
    .option(
      '--max-failure-rate <share>',
      'pause when this share of the first 100 objects, or of any 1,000, failed (default 0.5; 1 never pauses)',
    )
    .option('--tag-key <key>', 'marker tag key (default __ObjectEncrypted)')
    .option('--tag-value <value>', 'marker tag value (default true)')
    .option(
      '--inventory <s3://bucket/…/manifest.json>',
      "read the objects from this S3 Inventory report's rows instead of listing the bucket",
    )
    .option(
      '--wait',
      'show live progress until the migration ends; exit 0 all migrated, 3 some skipped or failed',
      false,
    )
    .option('--json', 'print the result as one JSON object on the last line of stdout', false)
    .action(async (flags) => {
      process.exitCode = await runStart(flags);
    });
  cmd
    .command('status')
    .description(
      'progress of a running migration, or the summary of a finished one; without an ID, every running and recent ' +
        'migration',
    )
    .argument('[workflowId]')
    .option('--json', 'print it as one JSON object', false)
    .action(async (workflowId: string, flags) => {
      process.exitCode = await runStatus(workflowId, flags);
    });
  cmd
    .command('cancel')
    .description('stop a migration for good: pages cancelled, multipart uploads aborted; what was migrated stays so')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const status = await withTemporal((connected) => cancelMigration(connected, workflowId));
      console.log(`${workflowId}: ${status}`);
    });
  cmd
    .command('pause')
    .description('finish what is in flight and start nothing new, until resume')
    .argument('<workflowId>')
    .option('--reason <text>', 'why (shown by status and in the Web UI)')
    .action(async (workflowId: string, flags: { reason?: string }) => {
      await withTemporal((connected) => pauseMigration(connected, workflowId, flags.reason));
      console.log(`Pausing ${workflowId}: objects in flight finish, nothing new starts.`);
      console.log(`Resume with: npm run migrate -- resume ${workflowId}`);
    });
  cmd
    .command('set-rate')
    .description('change the KMS budget that every running migration shares; effective within seconds, no restart')
    .argument('[workflowId]', 'a running migration (checked to be running); the budget is the same for all of them')
    .option('--max-kms-rps <n>', 'KMS requests per second')
    .option('--kms-quota-rps <n>', "the account's regional KMS request quota")
    .option('--kms-share <share>', 'share of that quota')
    .option('--json', 'print the budget in force as one JSON object', false)
    .action(
      async (
        workflowId: string | undefined,
        flags: { maxKmsRps?: string; kmsQuotaRps?: string; kmsShare?: string; json?: boolean },
      ) => {
        if (!flags.maxKmsRps && !flags.kmsQuotaRps && !flags.kmsShare)
          throw new Error('set-rate needs --max-kms-rps or --kms-quota-rps/--kms-share');
        const budget = budgetFrom(flags);
        const { plan, notes, running } = await withTemporal((connected) =>
          setMigrationRate(connected, workflowId, budget),
        );
        for (const note of notes) console.error(`note: ${note}`);
        const who = workflowId ?? 'every running migration';
        if (flags.json) console.log(JSON.stringify({ kmsBudget: plan, runningMigrations: running }));
        else
          console.log(
            `KMS budget of ${who} is now ${budget} requests/s (${running.length} running migrations share it): ` +
              `${describeKmsQueue(plan)}.`,
          );
      },
    );
  cmd
    .command('resume')
    .description('continue a paused migration from where it stopped')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      await withTemporal((connected) => resumeMigration(connected, workflowId));
      console.log(`Resumed ${workflowId}.`);
    });
  cmd
    .command('report')
    .description(
      'every object a finished migration skipped or failed, with counts by reason (from --report-uri files, or its ' +
        'summary)',
    )
    .argument('<workflowId>')
    .option('--csv', 'print the objects as CSV', false)
    .option('--json', 'print the report as one JSON object', false)
    .action(async (workflowId: string, flags) => {
      const report = await withTemporal((connected) => migrationReport(connected, workflowId));
      console.log(
        flags.json ? JSON.stringify(report) : flags.csv ? reportAsCsv(report).trimEnd() : formatReport(report),
      );
      process.exitCode = EXIT_OK;
    });
  cmd
    .command('plan')
    .description(
      'what a migration would do and cost, without changing anything: counts by state, requests, USD, duration',
    )
    .option('--bucket <name>', 'bucket to plan')
    .option('--kms-key <id>', 'target KMS key: alias/NAME, key ID or key ARN')
    .option('--prefix <prefix>', 'only keys that start with this prefix', '')
    .option(
      '--sample <n>',
      'inspect about this many objects, chosen by key hash over the whole listing, and scale (default: all)',
    )
    .option('--bucket-key', 'estimate with S3 Bucket Keys', false)
    .option(
      '--inventory <s3://bucket/…/manifest.json>',
      "decide every object from this S3 Inventory report's rows: no request per object",
    )
    .option('--copy-locked', 'as for a migration: count objects under Object Lock as copied, not skipped', false)
    .option('--all-versions', 'as for a migration: decide the noncurrent versions of a versioned bucket too', false)
    .option(
      '--expected-bucket-owner <account>',
      "as for a migration: the account that must own the bucket (default: the worker's own)",
    )
    .option('--requester-pays', 'as for a migration: the bucket is Requester Pays', false)
    .option('--multipart-threshold <bytes>', 'as for a migration (default 5 GiB)')
    .option('--part-size <bytes>', 'as for a migration (default 512 MiB)')
    .option('--max-kms-rps <n>', 'the KMS budget the duration is estimated at')
    .option('--kms-quota-rps <n>', "the account's regional KMS request quota (default 5500)")
    .option('--kms-share <share>', 'share of that quota (default 0.5)')
    .option(
      '--reads-per-month <n>',
      'reads of the objects a month afterwards, for their KMS cost (default: each object once)',
    )
    .option('--price-put <usd>', 'USD per 1,000 PUT/COPY/POST/LIST requests (default 0.005)')
    .option('--price-get <usd>', 'USD per 1,000 GET/HEAD requests (default 0.0004)')
    .option('--price-kms <usd>', 'USD per 10,000 KMS requests (default 0.03)')
    .option('--json', 'print the plan as one JSON object on the last line of stdout', false)
    .action(async (flags) => {
      const { plan, estimate, workflowId } = await withTemporal((connected) => runPlan(connected, flags));
      console.log(formatPlan(plan, estimate));
      if (flags.json) console.log(JSON.stringify({ workflowId, ...plan, estimate }));
      process.exitCode = EXIT_OK;
    });
  cmd
    .command('policy')
    .description(
      'the bucket policy that keeps new uploads under the key (and, in versioned buckets, older versions not under ' +
        'it unread), as a diff; --apply writes it, --restore puts back what it replaced',
    )
    .option('--bucket <name>', 'bucket')
    .option('--kms-key <id>', 'the key: alias/NAME, key ID or key ARN')
    .option('--worker-principal <arn>', "the worker's IAM role ARN, exempted from the read-deny of versioned buckets")
    .option('--tag-key <key>', 'marker tag key (default __ObjectEncrypted)')
    .option('--tag-value <value>', 'marker tag value (default true)')
    .option(
      '--apply',
      'write the merged policy to the bucket (PutBucketPolicy), after saving the one it replaces',
      false,
    )
    .option('--restore', 'put back the policy the latest --apply replaced (or remove it, if there was none)', false)
    .option('--from <file>', 'with --restore: the saved policy to put back, instead of the latest')
    .option('--force', 'with --restore: restore even though the policy was changed since it was applied', false)
    .option(
      '--backup-dir <dir>',
      'where --apply saves the policy it replaces (default ~/.s3-kms-migrator/policy-backups)',
    )
    .option('--json', 'print the outcome as one JSON object on the last line of stdout', false)
    .action(async (flags) => {
      printPolicyOutcome(await runPolicy(flags), flags);
      process.exitCode = EXIT_OK;
    });
  return cmd;
}

program()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    // Any answer encrypted under the workers' payload key, met where no path above expected one.
    const hint = isSealedPayload(err) ? ` (the workers encrypt payloads: ${SEALED})` : '';
    console.error(`${NAME}: ${err instanceof Error ? err.message : String(err)}${hint}`);
    process.exitCode = EXIT_CANNOT_RUN;
  });
