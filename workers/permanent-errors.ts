import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { describeError, errorCode, isRetryable } from '../activities/s3-errors';

/**
 * The backstop for an error an activity lets through untyped: Temporal would retry it without end (the retry
 * policy has no attempt limit, so that throttling never fails an object), and a page would never finish on a
 * deterministic client-side error (a TypeError, an invalid header value). Only a network failure, a 5xx or
 * throttling stays retryable; anything else fails the activity for good, with the error's name and message.
 */
export const permanentErrors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        if (err instanceof ApplicationFailure || err instanceof CancelledFailure || isRetryable(err)) throw err;
        throw ApplicationFailure.create({
          type: errorCode(err),
          nonRetryable: true,
          message: describeError(err, ctx.info.activityType),
          cause: err instanceof Error ? err : undefined,
        });
      }
    },
  },
});
