// The start command: one migration or several under the one KMS budget, started or attached to, and
// watched to the end with --wait.
import { WorkflowFailedError } from '@temporalio/client';
import { webUiLink, withTemporal, type Connected } from './connect';
import { checkInventory, migratedSinceInventory } from './inventory-check';
import type { InventoryManifest } from '../activities/inventory/manifest';
import { awsClientsFromEnv } from './aws';
import { bucketsTagged, parseTagFilter } from './tagged-buckets';
import { migrationOptionsFrom, type StartFlags } from './options';
import { startOrAttach } from './start';
import { watchUntilDone } from './watch';
import { rootMessage } from './failure';
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

/** The migration cannot run as asked: exit 1, nothing started. */
class CannotRun extends Error {}

export type StartCliFlags = Omit<StartFlags, 'bucket'> & {
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

export async function runStart(flags: StartCliFlags): Promise<number> {
  const buckets = await bucketsFrom(flags);
  const optionsList = (buckets.length > 0 ? buckets : [undefined]).map((bucket) =>
    migrationOptionsFrom({ ...flags, bucket } as StartFlags),
  );
  const { inventory } = optionsList[0];
  if (inventory && optionsList.length > 1)
    throw new Error('--inventory lists one bucket: give it with one --bucket, not several');
  const manifest = inventory ? await checkInventory(inventory, optionsList[0]) : undefined;
  return withTemporal(async (connected) => {
    if (manifest) optionsList[0] = await withInventoryAge(connected, optionsList[0], manifest);
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

/**
 * Where a migration of these objects ran after the inventory was taken, every object is HEADed first: the rows
 * may not show what it changed. Where the migrations cannot be listed, the worker's look at each row's marker
 * still keeps an object from being updated twice.
 */
async function withInventoryAge(
  connected: Connected,
  options: MigrationOptions,
  manifest: InventoryManifest,
): Promise<MigrationOptions> {
  const since = await migratedSinceInventory(connected, options, manifest).catch((err: Error) => {
    console.error(`note: earlier migrations of the bucket could not be listed (${err.message})`);
    return [];
  });
  if (since.length === 0) return options;
  console.error(
    `note: ${since.join(', ')} ran after the inventory was taken (${manifest.createdAt}): its rows may not ` +
      'show what changed since, so every object is HEADed first',
  );
  return { ...options, headEveryRow: true };
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
    `\nMigration of s3://${summary.bucket}/${summary.prefix} finished in ${seconds.toFixed(1)} s under ` +
      `${summary.keyArn}`,
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

/** What --json says of a migration that completed, with the exit code its summary calls for. */
function completed(workflowId: string, webUi: string, summary: MigrationSummary, flags: StartCliFlags) {
  const exitCode = exitCodeFor(summary, flags.requireFinishedBucket);
  return {
    workflowId,
    webUi,
    status: 'completed' as const,
    exitCode,
    ...summary,
    bucketFinished: bucketFinished(summary),
  };
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
  printSummary(summary);
  const outcome = completed(handle.workflowId, webUi, summary, flags);
  if (flags.json) console.log(JSON.stringify(outcome));
  return outcome.exitCode;
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
        return completed(handle.workflowId, webUi, summary, flags);
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
