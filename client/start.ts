import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { describeMigration, SEALED } from './describe-migration';
import { migrationIds, ofBucket } from './list-migrations';
import type { migrateBucket } from '../workflows';
import { TASK_QUEUE, type MigrationOptions } from '../common/types';
import { migrationWorkflowId } from '../common/workflow-ids';
import type { Connected } from './connect';
import { initialSearchAttributes, missingSearchAttributes, registrationHint } from './search-attributes';

export interface Started {
  handle: WorkflowHandle<typeof migrateBucket>;
  attached: boolean;
}

async function isRunning(connected: Connected, workflowId: string): Promise<boolean> {
  try {
    return (await describeMigration(connected, workflowId)).status === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * A running migration of the same bucket whose prefix overlaps this one ("" and "logs/"): two would work on
 * the same objects at once, each deciding from what it saw. Found by workflow ID, prefix from its memo (or,
 * where its payloads are sealed to this client, its search attributes; if those do not say, it is taken to
 * overlap).
 */
async function overlapping(
  connected: Connected,
  options: MigrationOptions,
  workflowId: string,
): Promise<string | undefined> {
  const running = await migrationIds(connected, `ExecutionStatus = 'Running' AND ${ofBucket(options.bucket)}`);
  for (const id of running.filter((id) => id !== workflowId)) {
    const other = await describeMigration(connected, id);
    if (other.bucket !== undefined && other.bucket !== options.bucket) continue;
    const where =
      other.prefix === undefined
        ? `s3://${options.bucket}/ (its prefix unknown${other.sealed ? `: ${SEALED}` : ''})`
        : `s3://${options.bucket}/${other.prefix}`;
    if (
      other.prefix === undefined ||
      other.prefix.startsWith(options.prefix) ||
      options.prefix.startsWith(other.prefix)
    ) {
      return (
        `a migration of ${where} is running (workflow ${id}), ` +
        `and its objects overlap with s3://${options.bucket}/${options.prefix}; wait for it to finish or ` +
        `cancel it first`
      );
    }
  }
  return undefined;
}

/**
 * Starts the migration of a bucket and prefix, or attaches to the one already running with the same key.
 * The workflow ID is derived from bucket and prefix, so the same migration can never run twice at once.
 * `beforeStart` runs only when a new migration is about to start (the KMS budget): if it fails, nothing starts.
 */
export async function startOrAttach(
  connected: Connected,
  options: MigrationOptions,
  beforeStart: () => Promise<void>,
): Promise<Started> {
  const workflowId = migrationWorkflowId(options.bucket, options.prefix);
  const where = `s3://${options.bucket}/${options.prefix}`;
  try {
    if (!(await isRunning(connected, workflowId))) {
      const clash = await overlapping(connected, options, workflowId).catch((err: Error) => {
        console.error(
          `note: running migrations of the bucket could not be listed to check their prefixes (${err.message})`,
        );
        return undefined;
      });
      if (clash) throw new Error(clash);
      await beforeStart();
    }
    const missing = await missingSearchAttributes(connected);
    if (missing.length > 0) console.error(`note: ${registrationHint(missing)}`);
    const labelled: MigrationOptions = { ...options, searchAttributes: missing.length === 0 || undefined };
    const handle = await connected.client.workflow.start<typeof migrateBucket>('migrateBucket', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ options: labelled }],
      memo: { options: labelled },
      typedSearchAttributes: labelled.searchAttributes ? initialSearchAttributes(options) : undefined,
      staticSummary: `Re-encrypt ${where} under KMS key ${options.kmsKeyId}`,
    });
    return { handle, attached: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = connected.client.workflow.getHandle<typeof migrateBucket>(workflowId);
    const running = await describeMigration(connected, workflowId);
    if (running.sealed) {
      throw new Error(`a migration of ${where} is already running (workflow ${workflowId}); ${SEALED}`);
    }
    if (running.options && running.options.kmsKeyId !== options.kmsKeyId) {
      throw new Error(
        `a migration of ${where} is already running (workflow ${workflowId}) with KMS key ${running.options.kmsKeyId}; ` +
          `wait for it to finish or cancel it before starting one with ${options.kmsKeyId}`,
      );
    }
    return { handle, attached: true };
  }
}
