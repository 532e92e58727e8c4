import { Context } from '@temporalio/activity';
import { setKmsQueueRate } from '../common/kms-queue-rate';

export interface KmsQueueRateInput {
  tasksPerSecond: number;
  reason: string;
}

/** The coordinator's own hand on the KMS queue's rate (after a warm-up), through the worker's Temporal client. */
export async function setKmsQueueRateActivity(input: KmsQueueRateInput): Promise<void> {
  const { client, info } = Context.current();
  await setKmsQueueRate(client.workflowService, info.namespace, input.tasksPerSecond, input.reason);
}

export const kmsQueueActivities = { setKmsQueueRate: setKmsQueueRateActivity };
export type KmsQueueActivities = typeof kmsQueueActivities;
