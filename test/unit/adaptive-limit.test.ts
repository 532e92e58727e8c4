import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveLimit } from '../../activities/adaptive-limit';

describe('adaptive S3 concurrency', () => {
  it('halves on throttling, once per second, and recovers additively to the maximum', async () => {
    let now = 0;
    const changes: string[] = [];
    const limit = new AdaptiveLimit(
      16,
      (l, cause) => changes.push(`${cause} ${l}`),
      () => now,
    );
    for (let i = 0; i < 3; i++) {
      await limit.acquire();
      limit.release('throttled');
    }
    assert.equal(limit.limit, 8, 'a burst of throttles in one second counts once');
    now = 1500;
    await limit.acquire();
    limit.release('throttled');
    assert.equal(limit.limit, 4);
    await limit.acquire();
    limit.release('error'); // a plain error changes nothing
    assert.equal(limit.limit, 4);
    for (let i = 0; i < 200 && limit.limit < 16; i++) {
      await limit.acquire();
      limit.release('ok');
    }
    assert.equal(limit.limit, 16);
    assert.deepEqual(changes.slice(0, 3), ['throttled 8', 'throttled 4', 'recovering 5']);
  });

  it('holds requests beyond the limit until one finishes', async () => {
    const limit = new AdaptiveLimit(2);
    await limit.acquire();
    await limit.acquire();
    let third = false;
    const waiting = limit.acquire().then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false);
    limit.release('ok');
    await waiting;
    assert.equal(third, true);
  });
});
