import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTagging, hasMarkerTag, mergeMarkerTag } from '../../activities/marker-tag';
import { encodeCopySource } from '../../activities/copy-source';
import { isChangedMeanwhile, isNotFound, isRetryable, isThrottling, retryDelayMs } from '../../activities/s3-errors';

const awsError = (name: string, status?: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('tags', () => {
  it('merges the marker without dropping or duplicating a tag', () => {
    const merged = mergeMarkerTag(
      [
        { Key: 'a', Value: '1' },
        { Key: 'm', Value: 'old' },
      ],
      'm',
      'true',
    );
    assert.deepEqual(merged, [
      { Key: 'a', Value: '1' },
      { Key: 'm', Value: 'true' },
    ]);
    assert.ok(hasMarkerTag(merged, 'm', 'true'));
    assert.ok(!hasMarkerTag(merged, 'm', 'false'));
  });
  it('percent-encodes the tagging header unambiguously', () => {
    assert.equal(
      encodeTagging([
        { Key: 'a b', Value: 'x+y&z=1' },
        { Key: 'ü', Value: '' },
      ]),
      'a%20b=x%2By%26z%3D1&%C3%BC=',
    );
  });
});

describe('copy source', () => {
  it('URL-encodes each segment of the key and keeps the slashes', () => {
    assert.equal(encodeCopySource('b', 'a b/c+d%/é?#'), 'b/a%20b/c%2Bd%25/%C3%A9%3F%23');
    assert.equal(encodeCopySource('b', 'double//slash/'), 'b/double//slash/');
  });
});

describe('error classes', () => {
  it('retries throttling, 5xx and network errors; not 4xx', () => {
    assert.ok(isRetryable(awsError('SlowDown', 503)));
    assert.ok(isRetryable(awsError('InternalError', 500)));
    assert.ok(isRetryable(awsError('ThrottlingException', 400)));
    assert.ok(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    assert.ok(!isRetryable(awsError('AccessDenied', 403)));
    assert.ok(!isRetryable(awsError('InvalidRequest', 400)));
    assert.ok(isRetryable(awsError('OperationAborted', 409)), 'a conflicting operation in progress');
  });
  it('retries only known network failures among errors without an HTTP status; a client-side error fails at once', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']) {
      assert.ok(isRetryable(Object.assign(new Error(code), { code })), code);
    }
    assert.ok(isRetryable(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    assert.ok(
      isRetryable(
        Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }),
      ),
    );
    assert.ok(
      !isRetryable(new TypeError("Cannot read properties of undefined (reading 'UploadId')")),
      'a serializer bug',
    );
    assert.ok(
      !isRetryable(
        Object.assign(new TypeError('Invalid character in header content ["x-amz-meta-a"]'), {
          code: 'ERR_INVALID_CHAR',
        }),
      ),
    );
    assert.ok(
      !isRetryable(Object.assign(new Error('aborted'), { name: 'AbortError' })),
      'a cancellation is not retried',
    );
  });
  it('recognises a changed or vanished object', () => {
    assert.ok(isChangedMeanwhile(awsError('PreconditionFailed', 412)));
    assert.ok(isChangedMeanwhile(awsError('ConditionalRequestConflict', 409)));
    assert.ok(isNotFound(awsError('NoSuchKey', 404)));
    assert.ok(isNotFound(awsError('NotFound', 404)));
  });
});

describe('retry delays', () => {
  it('double from 1 s to a cap of 60 s, with half of each interval random', () => {
    assert.equal(
      retryDelayMs(1, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(1, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(4, () => 0),
      4000,
    );
    assert.equal(
      retryDelayMs(20, () => 1),
      60_000,
    );
    assert.equal(
      retryDelayMs(20, () => 0),
      30_000,
    );
  });
  it('tells throttling from other server errors', () => {
    assert.ok(isThrottling(awsError('SlowDown', 503)));
    assert.ok(isThrottling(awsError('KMS.ThrottlingException', 400)));
    assert.ok(!isThrottling(awsError('InternalError', 500)));
  });
});
