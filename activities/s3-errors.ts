import { ApplicationFailure } from '@temporalio/common';

interface AwsErrorShape {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING_CODES = new Set([
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
]);

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
  return status === 503 || status === 429 || code === 'SlowDown' || code.endsWith('ThrottlingException') || code === 'RequestLimitExceeded';
}

/** Throttling, 5xx, resets and timeouts: retried by Temporal with backoff. Everything else is permanent. */
export function isRetryable(err: unknown): boolean {
  const status = httpStatus(err);
  if (status === undefined) return true; // no HTTP response at all: reset, timeout, DNS
  return status >= 500 || status === 429 || THROTTLING_CODES.has(errorCode(err));
}

/**
 * Rethrows an S3/KMS error for Temporal: retryable errors as they are (the retry policy backs off),
 * permanent ones as a non-retryable failure whose type is the S3 error code.
 */
export function rethrowForTemporal(err: unknown, what: string): never {
  if (err instanceof ApplicationFailure || isRetryable(err)) throw err;
  const code = errorCode(err);
  const status = httpStatus(err);
  const detail = (err as AwsErrorShape)?.message;
  throw ApplicationFailure.create({
    type: code,
    nonRetryable: true,
    message: `${what}: ${code}${status ? ` (HTTP ${status})` : ''}${detail && detail !== code ? `: ${detail}` : ''}`,
  });
}
