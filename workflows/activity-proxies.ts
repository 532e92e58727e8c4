import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { KmsActivities, S3Activities } from '../activities';
import { KMS_TASK_QUEUE, TASK_QUEUE } from '../common/types';

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

export const preflightActivity = proxyActivities<S3Activities>({
  taskQueue: TASK_QUEUE,
  startToCloseTimeout: '1 minute',
  retry: { ...RETRY, maximumAttempts: 5 },
}).preflight;

export const copyActivity = proxyActivities<KmsActivities>({
  taskQueue: KMS_TASK_QUEUE,
  startToCloseTimeout: '15 minutes', // one CopyObject of up to 5 GiB
  heartbeatTimeout: '30 seconds', // a crashed worker's copies are retried within this
  retry: RETRY,
}).copyObject;

export const multipartCopyActivity = proxyActivities<KmsActivities>({
  taskQueue: KMS_TASK_QUEUE,
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  retry: RETRY,
}).multipartCopy;
