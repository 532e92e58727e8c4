import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KMS_WEIGHT_FLOOR,
  MAX_BATCH_OBJECTS,
  TASK_LIMITS,
  kmsBudgetRps,
  kmsQueueRate,
  kmsRequestsPerCopy,
  kmsRequestsPerPart,
  kmsRequestsPerUpdate,
  kmsRequestsToCreateUpload,
  kmsTasksFor,
  kmsTaskWeight,
  mostTasksInWindow,
  secondsAtBudget,
  taskLimitsOf,
} from '../../common/kms-budget';

/** Task limits of migrations started now, and of those started before the floor and the bigger batches. */
const NOW = TASK_LIMITS;
const BEFORE_FLOOR = taskLimitsOf({});

/** Temporal's limiter as a token bucket of ⌈rate⌉ tasks, drained greedily: the most tasks in any 5 s, at 1 ms steps. */
function simulatedBusiestWindow(rate: number, seconds = 30): number {
  const capacity = Math.ceil(rate);
  let tokens = capacity;
  const dispatched: number[] = [];
  for (let ms = 0; ms < seconds * 1000; ms++) {
    tokens = Math.min(capacity, tokens + rate / 1000);
    while (tokens >= 1 - 1e-9) {
      tokens -= 1;
      dispatched.push(ms);
    }
  }
  let most = 0;
  for (let start = 0, end = 0; end < dispatched.length; end++) {
    while (dispatched[end] - dispatched[start] > 5000) start++; // a closed window: both ends count
    most = Math.max(most, end - start + 1);
  }
  return most;
}
import { budgetFrom } from '../../client/options';

describe('KMS request model', () => {
  it('takes the budget directly or as a share of the quota (default 5,500 × 0.5)', () => {
    assert.equal(kmsBudgetRps({}), 2750);
    assert.equal(kmsBudgetRps({ kmsQuotaRps: 10000, kmsShare: 0.2 }), 2000);
    assert.equal(kmsBudgetRps({ maxKmsRps: 10 }), 10);
    assert.throws(() => budgetFrom({ maxKmsRps: 10, kmsShare: 0.5 }), /either --max-kms-rps or --kms-quota-rps\/--kms-share/);
    assert.throws(() => budgetFrom({ kmsShare: 2 }), /--kms-share must be at most 1/);
  });
  it('counts the requests S3 makes per copy, per upload and per part', () => {
    const sseS3 = { sse: 'AES256' };
    const perObjectKms = { sse: 'aws:kms' };
    const kmsWithBucketKey = { sse: 'aws:kms', bucketKeyEnabled: true };
    assert.equal(kmsRequestsPerCopy(sseS3, false), 1, 'GenerateDataKey');
    assert.equal(kmsRequestsPerCopy(perObjectKms, false), 2, 'GenerateDataKey + Decrypt of the source');
    assert.equal(kmsRequestsPerCopy(kmsWithBucketKey, false), 1, "the source's Bucket Key is cached");
    assert.equal(kmsRequestsPerCopy(sseS3, true), 0, 'Bucket Key on the new object');
    assert.equal(kmsRequestsPerCopy(perObjectKms, true), 1, "the source's Decrypt remains");
    assert.equal(kmsRequestsToCreateUpload(false), 1);
    assert.equal(kmsRequestsToCreateUpload(true), 0);
    assert.equal(kmsRequestsPerPart(sseS3, false), 1);
    assert.equal(kmsRequestsPerPart(perObjectKms, false), 2);
    assert.equal(kmsRequestsPerPart(perObjectKms, true), 1);
  });
  it('counts an update like a copy: Decrypt of a KMS source, a new data key unless a Bucket Key', () => {
    assert.equal(kmsRequestsPerUpdate({ sse: 'AES256' }, false), 1);
    assert.equal(kmsRequestsPerUpdate({ sse: 'aws:kms' }, false), 2);
    assert.equal(kmsRequestsPerUpdate({ sse: 'aws:kms', bucketKeyEnabled: true }, false), 1);
    assert.equal(kmsRequestsPerUpdate({ sse: 'AES256' }, true), 0);
  });
  it('counts what the limiter lets through in 5 s: its full bucket at once, then the rate', () => {
    for (const rate of [0.399, 1, 2.771, 9.107, 10, 25, 50]) {
      assert.equal(mostTasksInWindow(rate), simulatedBusiestWindow(rate), `rate ${rate}`);
    }
  });
  it('dispatches at the highest rate whose every 5 s window stays within 110% of the budget: tasks of the floor for small budgets, batches of many above', () => {
    assert.equal(KMS_WEIGHT_FLOOR, Math.max(kmsRequestsPerUpdate({ sse: 'aws:kms' }, false), kmsRequestsPerCopy({ sse: 'aws:kms' }, false), kmsRequestsPerPart({ sse: 'aws:kms' }, false)), 'one task pays for any object\'s step');
    assert.deepEqual(NOW, { floor: 2, cap: MAX_BATCH_OBJECTS });
    assert.deepEqual(BEFORE_FLOOR, { floor: 1, cap: 100 });
    assert.deepEqual(taskLimitsOf({ kmsWeightFloor: 2 }), { floor: 2, cap: 100 }, 'a migration started with the floor, before the bigger batches');
    assert.equal(kmsTaskWeight(10, NOW), 2);
    assert.equal(kmsQueueRate(10, NOW), 4.508);
    assert.equal(mostTasksInWindow(4.508) * 2, 54, '5 tasks at once, then 4.508/s: 27 tasks of 2 in 5 s, within 110% of 50');
    assert.equal(kmsTaskWeight(10, BEFORE_FLOOR), 1, 'a migration started before the floor');
    assert.equal(kmsQueueRate(10, BEFORE_FLOOR), 9.018);
    assert.equal(mostTasksInWindow(9.018), 55);
    assert.equal(kmsTaskWeight(66, NOW), 6);
    assert.equal(kmsTaskWeight(11, NOW), 2);
    assert.equal(kmsTaskWeight(2750, NOW), 250);
    assert.equal(kmsQueueRate(2750, NOW), 9.999);
    assert.equal(kmsTaskWeight(2750, BEFORE_FLOOR), 100, 'tasks of at most 100 in migrations started before');
    assert.equal(kmsQueueRate(2750, BEFORE_FLOOR), 24.9);
    assert.equal(kmsTaskWeight(1_000_000, NOW), 250, 'capped');
    const budgets = [0.5, 1, 2, 3, 5, 7, 7.25, 10, 11, 12, 20, 21, 22, 66, 100, 135.25, 1000, 1053, 2750, 5500, 50_000, 1_000_000];
    for (const limits of [BEFORE_FLOOR, taskLimitsOf({ kmsWeightFloor: 2 }), NOW]) {
      for (const budget of budgets) {
        const weight = kmsTaskWeight(budget, limits);
        const rate = kmsQueueRate(budget, limits);
        const floor = limits.floor;
        const at = `limits ${JSON.stringify(limits)}, budget ${budget}`;
        assert.ok(mostTasksInWindow(rate) * weight <= 5.5 * budget, `${at}: ${mostTasksInWindow(rate)} tasks of ${weight} in 5 s`);
        // 11/12 is the most any rate can reach (a bucket of one second on top of five); whole tasks cost a little
        // more where a window holds few of them.
        const least = budget >= 7 ? 0.86 : 0.78;
        assert.ok(rate * weight >= least * budget && rate * weight <= budget, `${at}: ${rate * weight} requests/s`);
        assert.ok(weight <= Math.max(floor, budget / 10), `${at}: a task is at most a tenth of a second's budget`);
      }
    }
    assert.equal(kmsQueueRate(0.5, BEFORE_FLOOR), 0.391, 'a 5 s window holds 2 requests at 0.5/s: one at once, then 0.391/s');
    assert.equal(kmsQueueRate(0.1, BEFORE_FLOOR), 0.091, 'below one request per 5 s no rate keeps the window: 11/12 of the budget');
    assert.equal(kmsQueueRate(0.2, NOW), 0.091, 'below one task per 5 s likewise');
  });
  it('times requests at the queue rate', () => {
    assert.ok(Math.abs(secondsAtBudget(9016, 10) - 1000) < 1e-9);
    assert.ok(Math.abs(secondsAtBudget(2499.75 * 10, 2750) - 10) < 1e-9);
  });
  it('pays for a cost with whole tasks of the weight', () => {
    assert.equal(kmsTasksFor(0, 44), 0);
    assert.equal(kmsTasksFor(44, 44), 1);
    assert.equal(kmsTasksFor(2, 1), 2);
    assert.equal(kmsTasksFor(45, 44), 2);
  });
});
