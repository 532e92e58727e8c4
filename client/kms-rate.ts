import { temporal } from '@temporalio/proto';
import { KMS_TASK_QUEUE } from '../common/types';
import type { Connected } from './connect';

/**
 * Sets the server-side dispatch rate of the KMS task queue: Temporal enforces it for all workers together,
 * whatever their number, across restarts, and it overrides any per-worker limit.
 */
export async function setKmsQueueRate(connected: Connected, rps: number, reason: string): Promise<void> {
  await connected.client.connection.workflowService.updateTaskQueueConfig({
    namespace: connected.namespace,
    identity: 's3-kms-migrator client',
    taskQueue: KMS_TASK_QUEUE,
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: rps }, reason: reason.slice(0, 200) },
  });
}
