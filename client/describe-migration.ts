import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { MigrationOptions } from '../common/types';
import { ENCRYPTED_ENCODING, PAYLOAD_KEY_SETTING } from '../common/payload-codec';
import { MIGRATION_BUCKET, MIGRATION_KMS_KEY, MIGRATION_PREFIX } from '../common/search-attributes';
import type { Connected } from './connect';

/** What the client knows of one migration, whether or not it can read its payloads. */
export interface DescribedMigration {
  workflowId: string;
  /** RUNNING, COMPLETED, FAILED, … as the SDK names them. */
  status: string;
  /** From its memo; absent when sealed (or started without one). */
  options?: MigrationOptions;
  /** From the options, or when sealed from the search attributes Temporal keeps in clear (if registered). */
  bucket?: string;
  prefix?: string;
  kmsKeyArn?: string;
  /** Its payloads are encrypted under a key this client lacks: its memo, progress and result are unreadable. */
  sealed: boolean;
}

/** Why a sealed migration's progress, summary or options cannot be shown, and what to do about it. */
export const SEALED = `its payloads are encrypted: set ${PAYLOAD_KEY_SETTING} to the workers' key to read them`;

export function isSealedPayload(err: unknown): boolean {
  return err instanceof Error && err.message.includes(ENCRYPTED_ENCODING);
}

/**
 * Describes a migration. The SDK's describe decodes the memo, which fails for a client without the workers'
 * payload key; such a migration is described from the service's raw answer instead. A workflow that does not
 * exist throws as the SDK does (WorkflowNotFoundError).
 */
export async function describeMigration(connected: Connected, workflowId: string): Promise<DescribedMigration> {
  try {
    const described = await connected.client.workflow.getHandle(workflowId).describe();
    const options = described.memo?.options as MigrationOptions | undefined;
    return {
      workflowId,
      status: described.status.name,
      options,
      bucket: options?.bucket,
      prefix: options?.prefix,
      sealed: false,
    };
  } catch (err) {
    if (!isSealedPayload(err)) throw err;
  }
  const { workflowExecutionInfo: info } = await connected.client.workflowService.describeWorkflowExecution({
    namespace: connected.namespace,
    execution: { workflowId },
  });
  const code = temporal.api.enums.v1.WorkflowExecutionStatus[info?.status ?? 0] ?? 'UNSPECIFIED';
  const status = code.replace('WORKFLOW_EXECUTION_STATUS_', '').replace(/^CANCELED$/, 'CANCELLED'); // as the SDK says
  const attribute = (name: string): string | undefined => {
    const payload = info?.searchAttributes?.indexedFields?.[name];
    return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
  };
  return {
    workflowId,
    status,
    bucket: attribute(MIGRATION_BUCKET.name),
    prefix: attribute(MIGRATION_PREFIX.name),
    kmsKeyArn: attribute(MIGRATION_KMS_KEY.name),
    sealed: true,
  };
}
