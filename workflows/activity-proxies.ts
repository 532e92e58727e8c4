import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { CopyActivities, S3Activities } from '../activities';
import type { KmsQueueActivities } from '../activities/kms-queue';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { kmsTasksFor } from '../common/kms-budget';

/**
 * Retryable errors (throttling, 5xx, resets, timeouts) are retried without limit, backing off to a minute:
 * no object fails because of throttling alone. Permanent errors are thrown non-retryable by the activities.
 */
export const RETRY: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
};

/** HEAD, list and tag calls are quick: a lost attempt (worker crash) is retried after at most this long. */
export const s3Activities = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '30 seconds',
  retry: RETRY,
});

/** The KMS queue's rate, set by the coordinator after a warm-up: one quick call to Temporal. */
export const kmsQueueActivity = proxyActivities<KmsQueueActivities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '30 seconds',
  retry: { ...RETRY, maximumAttempts: 5 },
}).setKmsQueueRate;

/** HEADs of a batch of objects: a few seconds; the heartbeat notices a dead worker sooner. */
export const inspectObjectsActivity = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: RETRY,
}).inspectObjects;

/** The plan's listing pages: a list call and, for a survey, batched HEADs; the heartbeat notices a dead worker. */
export const planActivities = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: RETRY,
});

/** Report files (--report-uri): one PutObject each. */
export const reportActivities = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '1 minute',
  retry: RETRY,
});

export const preflightActivity = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY, maximumAttempts: 5 },
}).preflight;

/** The copy activities on one task queue. */
function copyActivitiesOn(taskQueue: string) {
  const on = (options: { startToCloseTimeout: string; heartbeatTimeout?: string }) =>
    proxyActivities<CopyActivities>({ taskQueue, retry: RETRY, ...options });
  return {
    // A batch of updates (or tags): each object's outcome is heartbeated, so a retry goes on from there.
    updateObjects: on({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds' }).updateObjects,
    // Single copies of many objects (at most about 1 GiB together, or one larger object), like updateObjects.
    copyObjects: on({ startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds' }).copyObjects,
    // One CopyObject of up to 5 GiB; the heartbeat notices a crashed worker within 30 s.
    copyObject: on({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds' }).copyObject,
    startUpload: on({ startToCloseTimeout: '1 minute' }).startUpload,
    copyPart: on({ startToCloseTimeout: '1 hour', heartbeatTimeout: '30 seconds' }).copyPart,
    kmsPermit: on({ startToCloseTimeout: '30 seconds' }).kmsPermit,
  };
}

const kmsQueueCopies = copyActivitiesOn(KMS_TASK_QUEUE);
const freeCopies = copyActivitiesOn(TASK_QUEUE);

type Copies = ReturnType<typeof copyActivitiesOn>;

/**
 * Runs a step that costs `kmsRequests` KMS requests: on the rate-limited KMS queue, where each task stands
 * for `weight` requests (common/kms-budget.ts), so with one permit task for each task beyond the first,
 * scheduled together with the step so that the queue dispatches them side by side (a permit dispatched long
 * before its step would let the step's requests fall into a later window); on the main queue when the step
 * costs none.
 */
export async function withKmsCost<T>(kmsRequests: number, weight: number, step: (copies: Copies) => Promise<T>): Promise<T> {
  if (kmsRequests === 0) return step(freeCopies);
  const permits = Array.from({ length: kmsTasksFor(kmsRequests, weight) - 1 }, () => kmsQueueCopies.kmsPermit());
  const [result] = await Promise.all([step(kmsQueueCopies), ...permits]);
  return result;
}

export const completeUploadActivity = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '15 minutes', // CompleteMultipartUpload of a large object can take minutes
  heartbeatTimeout: '30 seconds',
  retry: RETRY,
}).completeUpload;
