#!/usr/bin/env node
import { basename } from 'node:path';
import { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { connectTemporal, webUiLink, type Connected } from './connect';
import { awsClientsFromEnv } from './aws';
import { bucketsTagged, parseTagFilter } from './tagged-buckets';
import { budgetFrom, migrationOptionsFrom, type StartFlags } from './options';
import { startOrAttach } from './start';
import { watchUntilDone } from './watch';
import { formatMigrationList, listMigrations } from './list-migrations';
import { migrationStatus, formatStatus } from './status';
import { rootMessage } from './failure';
import { runPolicy } from './policy-command';
import { runPlan } from './plan-command';
import { formatReport, migrationReport, reportAsCsv } from './report-command';
import { formatPlan } from './plan-estimate';
import { cancelMigration, pauseMigration, resumeMigration, setMigrationRate } from './control';
import { describeKmsQueue, setKmsBudget } from './kms-budget';
import {
  EXIT_BUCKET_UNFINISHED,
  EXIT_CANNOT_RUN,
  EXIT_INCOMPLETE,
  EXIT_OK,
  exitCodeFor,
  bucketFinished,
  formatBucketFinished,
  formatCounts,
  formatDefaultEncryption,
  formatDefaultEncryptionSet,
  formatIssues,
} from './summary';
import { type MigrationOptions, type MigrationSummary } from '../common/types';
import { migrationWorkflowId } from '../common/workflow-ids';

/** `migrate` in a checkout (npm run migrate), the command's own name where it is installed (s3-kms-migrator). */
const NAME = /migrate\.[jt]s$/.test(process.argv[1] ?? '') ? 'migrate' : basename(process.argv[1] ?? 's3-kms-migrator');

class CannotRun extends Error {}

async function withTemporal<T>(fn: (c: Connected) => Promise<T>): Promise<T> {
  const connected = await connectTemporal(process.env);
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}

type StartCliFlags = Omit<StartFlags, 'bucket'> & {
  bucket?: string[];
  bucketsTagged?: string;
  wait?: boolean;
  json?: boolean;
  requireFinishedBucket?: boolean;
};

/** The buckets named by --bucket (repeatable) or selected by --buckets-tagged; every one checked before any starts. */
async function bucketsFrom(flags: StartCliFlags): Promise<string[]> {
  const named = [...new Set(flags.bucket ?? [])];
  if (flags.bucketsTagged === undefined) return named;
  if (named.length > 0) throw new Error('give --bucket or --buckets-tagged, not both');
  parseTagFilter(flags.bucketsTagged);
  const { s3, region } = awsClientsFromEnv(process.env);
  try {
    const tagged = await bucketsTagged(s3, region, flags.bucketsTagged);
    if (tagged.length === 0) throw new Error(`no bucket in ${region} is tagged ${flags.bucketsTagged}`);
    console.error(`buckets tagged ${flags.bucketsTagged}: ${tagged.join(', ')}`);
    return tagged;
  } finally {
    s3.destroy();
  }
}

async function runStart(flags: StartCliFlags): Promise<number> {
  const buckets = await bucketsFrom(flags);
  const optionsList = (buckets.length > 0 ? buckets : [undefined]).map((bucket) =>
    migrationOptionsFrom({ ...flags, bucket } as StartFlags),
  );
  return withTemporal(async (connected) => {
    // The budget is in force before the migration exists: its first KMS-costing request already obeys it.
    // It is the namespace's one budget, for every running migration: set once, before the first one starts.
    const { kmsBudgetRps } = optionsList[0];
    let budgetSet: Promise<void> | undefined;
    const setBudget = () =>
      (budgetSet ??= (async () => {
        const ids = optionsList.map((o) => migrationWorkflowId(o.bucket, o.prefix)).join(', ');
        const { plan, notes } = await setKmsBudget(connected, kmsBudgetRps, `migrate ${ids}`).catch((err: Error) => {
          throw new CannotRun(`${err.message}; nothing was started`);
        });
        for (const note of notes) console.error(`note: ${note}`);
        console.error(`KMS budget ${kmsBudgetRps} requests/s: ${describeKmsQueue(plan)}`);
      })());
    if (optionsList.length === 1) return runOne(connected, optionsList[0], setBudget, flags);
    return runMany(connected, optionsList, setBudget, flags);
  });
}

async function startOne(connected: Connected, options: MigrationOptions, setBudget: () => Promise<void>) {
  const { handle, attached } = await startOrAttach(connected, options, setBudget);
  const webUi = webUiLink(connected, handle.workflowId);
  console.error(`${attached ? 'Attached to the running migration' : 'Started migration'} ${handle.workflowId}`);
  console.error(`Web UI: ${webUi}`);
  return { handle, attached, webUi };
}

function printSummary(summary: MigrationSummary): void {
  const seconds = (summary.finishedAt - summary.startedAt) / 1000;
  console.error(
    `\nMigration of s3://${summary.bucket}/${summary.prefix} finished in ${seconds.toFixed(1)} s under ${summary.keyArn}`,
  );
  if (summary.engine) console.error(`  engine: ${summary.engine}`);
  console.error(formatCounts(summary.counts));
  const lines = [
    formatDefaultEncryptionSet(summary.defaultEncryptionSet, summary.bucket),
    formatDefaultEncryption(summary.defaultEncryption),
    formatBucketFinished(summary),
  ];
  for (const line of lines) if (line) console.error(line);
  const issues = formatIssues(summary);
  if (issues) console.error(issues);
}

async function runOne(
  connected: Connected,
  options: MigrationOptions,
  setBudget: () => Promise<void>,
  flags: StartCliFlags,
): Promise<number> {
  const { handle, attached, webUi } = await startOne(connected, options, setBudget);
  if (!flags.wait) {
    if (flags.json) console.log(JSON.stringify({ workflowId: handle.workflowId, webUi, attached }));
    else console.log(handle.workflowId);
    return EXIT_OK;
  }
  let summary;
  try {
    summary = await watchUntilDone(connected.client, handle);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const message = rootMessage(err);
    if (flags.json)
      console.log(
        JSON.stringify({
          workflowId: handle.workflowId,
          webUi,
          status: 'failed',
          exitCode: EXIT_CANNOT_RUN,
          error: message,
        }),
      );
    throw new CannotRun(`migration ${handle.workflowId} failed: ${message}`);
  }
  const exitCode = exitCodeFor(summary, flags.requireFinishedBucket);
  printSummary(summary);
  if (flags.json) {
    console.log(
      JSON.stringify({
        workflowId: handle.workflowId,
        webUi,
        status: 'completed',
        exitCode,
        ...summary,
        bucketFinished: bucketFinished(summary),
      }),
    );
  }
  return exitCode;
}

/**
 * Several buckets: one migration each, all under the one KMS budget. With --wait, their summaries one after
 * the other as they end; the exit code is the worst of theirs (1 if any failed, else 3 if any is incomplete).
 */
async function runMany(
  connected: Connected,
  optionsList: MigrationOptions[],
  setBudget: () => Promise<void>,
  flags: StartCliFlags,
): Promise<number> {
  const started = [];
  for (const options of optionsList) started.push(await startOne(connected, options, setBudget));
  if (!flags.wait) {
    if (flags.json)
      console.log(
        JSON.stringify({
          migrations: started.map(({ handle, attached, webUi }) => ({
            workflowId: handle.workflowId,
            webUi,
            attached,
          })),
        }),
      );
    else for (const { handle } of started) console.log(handle.workflowId);
    return EXIT_OK;
  }
  console.error(`waiting for ${started.length} migrations (npm run migrate -- status shows them all)`);
  const outcomes = await Promise.all(
    started.map(async ({ handle, webUi }) => {
      try {
        const summary = await handle.result();
        printSummary(summary);
        const exitCode = exitCodeFor(summary, flags.requireFinishedBucket);
        return {
          workflowId: handle.workflowId,
          webUi,
          status: 'completed',
          exitCode,
          ...summary,
          bucketFinished: bucketFinished(summary),
        };
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        const error = rootMessage(err);
        console.error(`\nmigration ${handle.workflowId} failed: ${error}`);
        return { workflowId: handle.workflowId, webUi, status: 'failed', exitCode: EXIT_CANNOT_RUN, error };
      }
    }),
  );
  // Worst first: could not run, objects not migrated, bucket not finished, done.
  const exitCode =
    [EXIT_CANNOT_RUN, EXIT_INCOMPLETE, EXIT_BUCKET_UNFINISHED].find((code) =>
      outcomes.some((o) => o.exitCode === code),
    ) ?? EXIT_OK;
  if (flags.json) console.log(JSON.stringify({ migrations: outcomes, exitCode }));
  return exitCode;
}

async function runStatus(workflowId: string | undefined, flags: { json?: boolean }): Promise<number> {
  return withTemporal(async (connected) => {
    if (workflowId === undefined) {
      const listed = await listMigrations(connected);
      console.log(flags.json ? JSON.stringify(listed) : formatMigrationList(listed));
      return EXIT_OK;
    }
    const report = await migrationStatus(connected, workflowId);
    console.log(flags.json ? JSON.stringify(report) : formatStatus(report));
    return EXIT_OK;
  });
}

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
      'copy objects under Object Lock (S3 refuses to update them): their data is then stored twice until the lock ends; default: skip them',
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
      "KMS requests per second all running migrations together may cause: the namespace's one budget (overrides quota × share)",
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
      'progress of a running migration, or the summary of a finished one; without an ID, every running and recent migration',
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
            `KMS budget of ${who} is now ${budget} requests/s (${running.length} running migrations share it): ${describeKmsQueue(plan)}.`,
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
      'every object a finished migration skipped or failed, with counts by reason (from --report-uri files, or its summary)',
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
      'the bucket policy that keeps new uploads under the key (and, in versioned buckets, older versions not under it unread), as a diff; --apply writes it, --restore puts back what it replaced',
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
      const outcome = await runPolicy(flags);
      for (const why of outcome.refused) console.error(why);
      const nothing = flags.restore
        ? `the policy of s3://${outcome.bucket} already is the saved one: nothing to restore`
        : `the policy of s3://${outcome.bucket} already has these statements: nothing to change`;
      if (!flags.json) console.log(outcome.diff || nothing);
      if (flags.restore && outcome.applied)
        console.error(`restored: the policy of s3://${outcome.bucket} is again the one saved in ${outcome.backup}`);
      else if (outcome.applied) {
        console.error(`applied: the policy of s3://${outcome.bucket} now holds these statements`);
        console.error(
          `the policy it replaced is saved in ${outcome.backup}; to put it back: npm run migrate -- policy --bucket ${outcome.bucket} --restore${flags.backupDir ? ` --backup-dir ${flags.backupDir}` : ''}`,
        );
      } else if (outcome.diff && !flags.restore) console.error('not applied: run again with --apply to write it');
      if (flags.json) console.log(JSON.stringify(outcome));
      process.exitCode = EXIT_OK;
    });
  return cmd;
}

program()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`${NAME}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_CANNOT_RUN;
  });
