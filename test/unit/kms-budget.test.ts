import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  KMS_WEIGHT_FLOOR,
  KmsBudgetTooLow,
  MAX_BATCH_OBJECTS,
  kmsBudgetRps,
  kmsQueueRate,
  kmsRequestsPerCopy,
  kmsRequestsPerPart,
  kmsRequestsPerUpdate,
  kmsRequestsToCompleteUpload,
  kmsRequestsToCreateUpload,
  kmsTaskWeight,
  mostTasksInWindow,
  planKmsQueue,
  secondsAtBudget,
} from '../../common/kms-budget';
import { budgetRecord, parseBudgetRecord } from '../../common/kms-queue-config';

/**
 * Temporal's limiter: per partition, a token bucket of ⌈rate / partitions⌉ tasks filling at rate / partitions,
 * drained greedily. The most tasks in any 5 s, at 1 ms steps.
 */
function simulatedBusiestWindow(rate: number, partitions = 1, seconds = 30): number {
  const capacity = Math.ceil(rate / partitions);
  const tokens = new Array(partitions).fill(capacity);
  const dispatched: number[] = [];
  for (let ms = 0; ms < seconds * 1000; ms++) {
    for (let p = 0; p < partitions; p++) {
      tokens[p] = Math.min(capacity, tokens[p] + rate / partitions / 1000);
      while (tokens[p] >= 1 - 1e-9) {
        tokens[p] -= 1;
        dispatched.push(ms);
      }
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
    assert.throws(
      () => budgetFrom({ maxKmsRps: 10, kmsShare: 0.5 }),
      /either --max-kms-rps or --kms-quota-rps\/--kms-share/,
    );
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
  it("counts CompleteMultipartUpload as the Decrypt of the upload's data key", () => {
    assert.equal(kmsRequestsToCompleteUpload(false), 1);
    assert.equal(kmsRequestsToCompleteUpload(true), 0);
  });
  it("counts what the limiter lets through in 5 s: every partition's full bucket at once, then the rate", () => {
    for (const rate of [0.399, 1, 2.771, 9.107, 10, 25, 50]) {
      assert.equal(mostTasksInWindow(rate), simulatedBusiestWindow(rate), `rate ${rate}`);
    }
    for (const rate of [0.391, 1.959, 4, 8.626, 9.606]) {
      assert.equal(mostTasksInWindow(rate, 4), simulatedBusiestWindow(rate, 4), `rate ${rate} over 4 partitions`);
    }
  });
  it('weighs a task at a tenth of a second of the budget, at least 20 requests (or half a second), 2 and at most 250', () => {
    assert.equal(
      KMS_WEIGHT_FLOOR,
      Math.max(
        kmsRequestsPerUpdate({ sse: 'aws:kms' }, false),
        kmsRequestsPerCopy({ sse: 'aws:kms' }, false),
        kmsRequestsPerPart({ sse: 'aws:kms' }, false),
      ),
      "one task pays for any object's step",
    );
    assert.equal(kmsTaskWeight(1), 2);
    assert.equal(kmsTaskWeight(10), 4, 'half a second');
    assert.equal(kmsTaskWeight(21), 9, 'half a second: 2 tasks a second, not 10 of 2 requests');
    assert.equal(kmsTaskWeight(100), 20);
    assert.equal(kmsTaskWeight(1000), 95, 'a tenth of a second');
    assert.equal(kmsTaskWeight(2750), MAX_BATCH_OBJECTS);
    assert.equal(kmsTaskWeight(1_000_000), 250, 'capped');
  });
  it('dispatches at the highest rate whose every 5 s window stays within 110% of the budget, on 1 or 4 partitions', () => {
    assert.equal(kmsQueueRate(10), 2.155);
    assert.equal(
      mostTasksInWindow(2.155) * 4,
      52,
      '3 tasks at once, then 2.155/s: 13 tasks of 4 in 5 s, within 110% of 50',
    );
    assert.equal(kmsQueueRate(2750), 9.999);
    assert.equal(kmsQueueRate(2, 4), 0.391, 'four buckets of one task: far below the budget, but within it');
    assert.equal(kmsQueueRate(2750, 4), 9.606);
    const budgets = [
      0.5, 1, 2, 3, 5, 7, 7.25, 10, 11, 12, 20, 21, 22, 40, 66, 100, 135.25, 199, 1000, 1053, 2750, 5500, 50_000,
      1_000_000,
    ];
    for (const partitions of [1, 2, 4, 8]) {
      for (const budget of budgets) {
        let plan;
        try {
          plan = planKmsQueue(budget, partitions);
        } catch (err) {
          assert.ok(
            err instanceof KmsBudgetTooLow && partitions > 1 && budget < 5,
            `${budget} on ${partitions}: ${(err as Error).message}`,
          );
          assert.match(err.message, /give the queue one partition/);
          continue;
        }
        const { weight, tasksPerSecond: rate } = plan;
        const at = `budget ${budget} on ${partitions} partitions`;
        assert.ok(
          mostTasksInWindow(rate, partitions) * weight <= 5.5 * budget || (partitions === 1 && budget < 1),
          `${at}: ${mostTasksInWindow(rate, partitions)} tasks of ${weight} in 5 s`,
        );
        assert.ok(rate * weight <= budget, `${at}: ${rate * weight} requests/s`);
        // One partition: 11/12 is the most any rate can reach (a bucket of one second on top of five); whole
        // tasks cost a little more where a window holds few of them.
        if (partitions === 1)
          assert.ok(rate * weight >= (budget >= 3 ? 0.85 : 0.78) * budget, `${at}: ${rate * weight} requests/s`);
      }
    }
    assert.equal(kmsQueueRate(0.2), 0.091, 'below one task per 5 s no rate keeps the window: 11/12 of the budget');
    assert.throws(() => kmsQueueRate(1, 4), /cannot be held on a KMS queue of 4 partitions.*budget of at least 2\/s/);
  });
  it('times requests at the queue rate', () => {
    assert.ok(Math.abs(secondsAtBudget(2155 * 4, 10) - 1000) < 1e-9);
    assert.ok(Math.abs(secondsAtBudget(2499.75 * 10, 2750) - 10) < 1e-9);
  });
  it("keeps the budget, the weight and the partitions in the KMS queue's one record, readable back", () => {
    const plan = planKmsQueue(10, 1);
    const reason = budgetRecord(plan, 'set-rate migrate-a');
    assert.equal(reason, 's3-kms-migrator budget=10 weight=4 partitions=1 set by set-rate migrate-a');
    assert.deepEqual(parseBudgetRecord(reason, plan.tasksPerSecond), { ...plan, setBy: 'set-rate migrate-a' });
    assert.equal(parseBudgetRecord('set by hand', 3), undefined);
    assert.ok(budgetRecord(plan, 'x'.repeat(500)).length <= 200, 'Temporal keeps a short reason');
  });
});
