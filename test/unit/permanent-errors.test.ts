// The worker's backstop for errors an activity lets through untyped: a client-side bug fails at once with
// its message instead of being retried without end; a network failure stays retryable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { permanentErrors } from '../../workers/permanent-errors';

const env = () => new MockActivityEnvironment({ activityType: 'inspectObject' }, { interceptors: [permanentErrors] });

describe('errors an activity does not type', () => {
  it('fail for good, named, when they are not a network failure (a serializer TypeError, an invalid header)', async () => {
    const bug = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'ETag')");
    };
    await assert.rejects(
      env().run(bug),
      (err: ApplicationFailure) =>
        err instanceof ApplicationFailure &&
        err.nonRetryable &&
        err.type === 'TypeError' &&
        /^inspectObject: TypeError: Cannot read properties/.test(err.message),
    );
  });

  it('stay as they are when retryable (a reset connection) or already typed', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await assert.rejects(
      env().run(async () => Promise.reject(reset)),
      (err) => err === reset,
    );
    const typed = ApplicationFailure.create({ type: 'AccessDenied', nonRetryable: true, message: 'x' });
    await assert.rejects(
      env().run(async () => Promise.reject(typed)),
      (err) => err === typed,
    );
  });
});
