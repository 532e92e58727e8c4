import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectSnapshot } from '../../common/contract';
import { INSPECT_RESULT_BYTES, withinBytes } from '../../activities/inspect-object';

function snapshot(key: string, redirectBytes: number): ObjectSnapshot {
  return {
    exists: true,
    key,
    size: 1,
    etag: '"e"',
    storageClass: 'STANDARD',
    archived: false,
    websiteRedirectLocation: redirectBytes ? `/${'x'.repeat(redirectBytes - 1)}` : undefined,
  };
}

describe('a batch of HEADs', () => {
  it('returns its snapshots as long as they fit the result bound, and null after (the page HEADs those alone)', () => {
    const looks = [snapshot('a', 100), null, snapshot('b', 100), snapshot('c', 100)];
    const sizes = looks.map((look) => JSON.stringify(look).length + 1);
    const fitTwo = sizes[0] + sizes[1] + sizes[2];
    assert.deepEqual(withinBytes(looks, fitTwo), [looks[0], null, looks[2], null]);
    assert.deepEqual(withinBytes(looks, fitTwo - 1), [looks[0], null, null, null]);
    assert.deepEqual(withinBytes(looks, 10_000), looks);
  });
  it('keeps a whole batch of 250 objects with 1 KiB keys and 2 KiB website redirects (the most S3 allows)', () => {
    const looks = Array.from({ length: 250 }, (_, i) => snapshot(`${i}`.padEnd(1024, 'k'), 2048));
    assert.deepEqual(withinBytes(looks, INSPECT_RESULT_BYTES), looks);
  });
  it('stays far below Temporal’s 2 MiB payload limit even with 8 KiB per object', () => {
    const looks = Array.from({ length: 250 }, (_, i) => snapshot(`${i}`.padEnd(1024, 'k'), 8192));
    const kept = withinBytes(looks, INSPECT_RESULT_BYTES);
    assert.ok(JSON.stringify(kept).length <= INSPECT_RESULT_BYTES + 250 * 5, `${JSON.stringify(kept).length} bytes`);
    assert.ok(INSPECT_RESULT_BYTES * 2 <= 2 * 1024 * 1024);
    assert.equal(kept.filter(Boolean).length, 112, 'the first 112, the rest HEADed alone');
  });
});
