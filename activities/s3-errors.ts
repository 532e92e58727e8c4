import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';

type SdkError = Parameters<typeof isTransientError>[0];

interface AwsErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Codes worth retrying whatever their HTTP status (some arrive as 400). */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'KMS.ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ServiceUnavailable',
  'InternalError',
  'OperationAborted', // 409: a conflicting operation on the bucket or object is in progress; try again
]);

/** Node's network failures the SDK's own classifier (isTransientError) does not name. */
const NETWORK_FAILURES = new Set(['ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

/**
 * No HTTP response at all: a network failure (reset, refused, timeout, DNS) is retried; anything else — a
 * TypeError in a serializer, an invalid header value — fails the same way every time, and is not.
 */
function isNetworkFailure(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown; name?: string };
  if (e === null || typeof e !== 'object') return false;
  return (
    isTransientError(e as SdkError) ||
    isThrottlingError(e as SdkError) ||
    NETWORK_FAILURES.has(e.code ?? '') ||
    (e.cause !== undefined && isNetworkFailure(e.cause))
  );
}

export function errorCode(err: unknown): string {
  const e = err as AwsErrorShape;
  return e?.Code ?? e?.name ?? 'Error';
}

export function httpStatus(err: unknown): number | undefined {
  return (err as AwsErrorShape)?.$metadata?.httpStatusCode;
}

export function isNotFound(err: unknown): boolean {
  const code = errorCode(err);
  return httpStatus(err) === 404 || code === 'NoSuchKey' || code === 'NotFound';
}

/** The object is no longer the one we inspected: 412 from a condition, 409 from a concurrent conditional write. */
export function isChangedMeanwhile(err: unknown): boolean {
  const status = httpStatus(err);
  const code = errorCode(err);
  return status === 412 || code === 'PreconditionFailed' || code === 'ConditionalRequestConflict';
}

/** S3 or KMS asking us to slow down (not any 5xx: an InternalError is no reason to send less). */
export function isThrottling(err: unknown): boolean {
  const status = httpStatus(err);
  const code = errorCode(err);
  return (
    status === 503 ||
    status === 429 ||
    code === 'SlowDown' ||
    code.endsWith('ThrottlingException') ||
    code === 'RequestLimitExceeded'
  );
}

/** Throttling, 5xx, resets and timeouts: retried by Temporal with backoff. Everything else is permanent. */
export function isRetryable(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === undefined) return isNetworkFailure(err);
  return status >= 500 || status === 429 || RETRYABLE_CODES.has(errorCode(err));
}

/** "what: Code (HTTP n): detail", the form every report and failure uses. */
export function describeError(err: unknown, what: string): string {
  const code = errorCode(err);
  const status = httpStatus(err);
  const detail = (err as AwsErrorShape)?.message;
  return `${what}: ${code}${status ? ` (HTTP ${status})` : ''}${detail && detail !== code ? `: ${detail}` : ''}`;
}

const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;

/** Exponential backoff with equal jitter: half of the doubling interval fixed, half random. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const interval = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(interval / 2 + random() * (interval / 2));
}

/**
 * Rethrows an S3/KMS error for Temporal, typed with the S3 error code: retryable errors with the next
 * attempt's delay (backoff and jitter, so many throttled copies do not retry in lockstep), permanent ones
 * as non-retryable.
 */
export function rethrowForTemporal(err: unknown, what: string): never {
  if (err instanceof ApplicationFailure) throw err;
  const code = errorCode(err);
  const message = describeError(err, what);
  if (isRetryable(err)) {
    const attempt = Context.current().info.attempt;
    throw ApplicationFailure.create({
      type: code,
      message,
      nonRetryable: false,
      nextRetryDelay: retryDelayMs(attempt),
    });
  }
  throw ApplicationFailure.create({ type: code, nonRetryable: true, message });
}
