// The per-process pace of KMS-queue tasks (activities/kms-weight.ts): tasks handed to a worker together start
// at the queue's rate, one ahead at most; tasks arriving slower than the rate never wait.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TaskPacer } from '../../activities/kms-weight';

/** A pacer on a clock that only the waits move, recording when each turn came. */
function pacedClock() {
  let now = 1_000_000;
  const pacer = new TaskPacer(
    () => now,
    async (ms) => {
      now += ms;
    },
  );
  return {
    pacer,
    advance: (ms: number) => (now += ms),
    turns: async (n: number, tasksPerSecond: number) => {
      const at: number[] = [];
      for (let i = 0; i < n; i++) {
        await pacer.turn(tasksPerSecond);
        at.push(now);
      }
      return at;
    },
  };
}

describe('TaskPacer', () => {
  it('spaces tasks that arrive together at the rate, the first at once', async () => {
    const clock = pacedClock();
    const at = await clock.turns(6, 2);
    assert.deepEqual(
      at.map((t) => t - at[0]),
      [0, 500, 1000, 1500, 2000, 2500],
    );
  });

  it('never makes a task wait that arrives after its turn, and keeps nothing saved up while idle', async () => {
    const clock = pacedClock();
    await clock.turns(1, 4);
    clock.advance(10_000); // idle for 10 s: no burst of 40 tasks afterwards
    const at = await clock.turns(3, 4);
    assert.deepEqual(
      at.map((t) => t - at[0]),
      [0, 250, 500],
    );
  });

  it('follows a new rate at the next task, and does not pace without one', async () => {
    const clock = pacedClock();
    const [first] = await clock.turns(1, 1);
    const [second] = await clock.turns(1, 10); // set-rate raised the queue's rate meanwhile
    assert.equal(second - first, 1000, 'the turn already promised at the old rate');
    const [third] = await clock.turns(1, 10);
    assert.equal(third - second, 100);
    const [fourth] = await clock.turns(1, 0);
    assert.equal(fourth, third, 'no rate in the record: no pacing');
  });
});
