import { ActivityCancellationType, proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { CopyActivities, S3Activities } from '../activities';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';
import { carryingBucketAccess } from './bucket-access';

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
export const s3Activities = carryingBucketAccess(
  proxyActivities<S3Activities>({
    taskQueue: TASK_QUEUE,
    startToCloseTimeout: '30 seconds',
    retry: RETRY,
  }),
);

/** HEADs of a batch of objects: a few seconds; the heartbeat notices a dead worker sooner. */
export const inspectObjectsActivity = carryingBucketAccess(
  proxyActivities<S3Activities>({
    taskQueue: TASK_QUEUE,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: RETRY,
  }),
).inspectObjects;

/** The plan's listing pages: a list call and, for a survey, batched HEADs; the heartbeat notices a dead worker. */
export const planActivities = carryingBucketAccess(
  proxyActivities<S3Activities>({
    taskQueue: TASK_QUEUE,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '30 seconds',
    retry: RETRY,
  }),
);

/**
 * An inventory's pages (--inventory) and a plan's survey of one of its data files, which may read a file of
 * millions of rows: the heartbeat notices a dead worker.
 */
export const inventoryActivities = carryingBucketAccess(
  proxyActivities<S3Activities>({
    taskQueue: TASK_QUEUE,
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '30 seconds',
    retry: RETRY,
  }),
);

/** Report files (--report-uri): one PutObject each. */
export const reportActivities = carryingBucketAccess(
  proxyActivities<S3Activities>({
    taskQueue: TASK_QUEUE,
    startToCloseTimeout: '1 minute',
    retry: RETRY,
  }),
);

export const preflightActivity = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY, maximumAttempts: 5 },
}).preflight;

/** The copy activities on one task queue. */
function copyActivitiesOn(taskQueue: string) {
  const on = (options: {
    startToCloseTimeout: string;
    heartbeatTimeout?: string;
    cancellationType?: ActivityCancellationType;
  }) => carryingBucketAccess(proxyActivities<CopyActivities>({ taskQueue, retry: RETRY, ...options }));
  return {
    // A batch of updates (or tags): each object's outcome is heartbeated, so a retry goes on from there.
    updateObjects: on({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds' }).updateObjects,
    // Single copies of many objects (at most about 1 GiB together, or one larger object), like updateObjects.
    copyObjects: on({ startToCloseTimeout: '2 hours', heartbeatTimeout: '30 seconds' }).copyObjects,
    // One CopyObject of up to 5 GiB; the heartbeat notices a crashed worker within 30 s.
    copyObject: on({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds' }).copyObject,
    startUpload: on({ startToCloseTimeout: '1 minute' }).startUpload,
    // A cancelled part is waited for, so the upload is aborted only once no part is in flight.
    copyPart: on({
      startToCloseTimeout: '1 hour',
      heartbeatTimeout: '30 seconds',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    }).copyPart,
    // CompleteMultipartUpload of a large object can take minutes; S3 decrypts the upload's data key for it.
    completeUpload: on({ startToCloseTimeout: '15 minutes', heartbeatTimeout: '30 seconds' }).completeUpload,
  };
}

const kmsQueueCopies = copyActivitiesOn(KMS_TASK_QUEUE);
const freeCopies = copyActivitiesOn(TASK_QUEUE);

type Copies = ReturnType<typeof copyActivitiesOn>;

/**
 * Runs a step or a batch that costs `kmsRequests` KMS requests as one task: on the rate-limited KMS queue,
 * where each task stands for the weight in force (common/kms-budget.ts) — a single step never costs more than
 * KMS_WEIGHT_FLOOR, the least weight, and a batch's task does only what the weight pays for —, or on the main
 * queue when it costs none.
 */
export function withKmsCost<T>(kmsRequests: number, step: (copies: Copies) => Promise<T>): Promise<T> {
  return step(kmsRequests === 0 ? freeCopies : kmsQueueCopies);
}
