import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePartSize, planParts } from '../../common/part-plan';
import { GIB, MIB } from '../../common/s3-limits';

describe('multipart plan', () => {
  it('covers every byte exactly once with inclusive ranges', () => {
    assert.deepEqual(
      planParts(11 * MIB + 1, 5 * MIB).map((p) => p.range),
      [`bytes=0-${5 * MIB - 1}`, `bytes=${5 * MIB}-${10 * MIB - 1}`, `bytes=${10 * MIB}-${11 * MIB}`],
    );
    assert.deepEqual(
      planParts(10 * MIB, 5 * MIB).map((p) => p.partNumber),
      [1, 2],
    );
  });
  it('keeps parts within S3 limits: at least 5 MiB, at most 10,000 parts, at most 5 GiB', () => {
    assert.equal(effectivePartSize(100 * MIB, 1), 5 * MIB);
    const huge = 5 * 1024 * GIB; // 5 TiB, S3's largest object
    const size = effectivePartSize(huge, 8 * MIB);
    assert.ok(Math.ceil(huge / size) <= 10_000);
    assert.equal(size % MIB, 0);
    assert.equal(effectivePartSize(huge, 10 * GIB), 5 * GIB);
  });
});
