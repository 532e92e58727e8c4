import { temporal } from '@temporalio/proto';
import { KMS_TASK_QUEUE } from './types';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

/**
 * Sets the server-side dispatch rate of the KMS task queue: Temporal enforces it for all workers together,
 * whatever their number, across restarts, and it overrides any per-worker limit. Used by the client (before a
 * migration starts, set-rate) and by the coordinator's activity (the rate after the warm-up).
 */
export async function setKmsQueueRate(service: WorkflowService, namespace: string, tasksPerSecond: number, reason: string): Promise<void> {
  await service.updateTaskQueueConfig({
    namespace,
    identity: 's3-kms-migrator',
    taskQueue: KMS_TASK_QUEUE,
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: tasksPerSecond }, reason: reason.slice(0, 200) },
  });
}
