import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  kmsBudgetRps,
  kmsQueueRate,
  kmsRequestsPerCopy,
  kmsRequestsPerPart,
  kmsRequestsPerUpdate,
  kmsRequestsToCreateUpload,
  kmsTasksFor,
  kmsTaskWeight,
  secondsAtBudget,
} from '../../common/kms-budget';
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
  it('dispatches at 80% of the budget while warming up and 95% after: one request per task for small budgets, batches of many above', () => {
    assert.equal(kmsTaskWeight(10), 1);
    assert.equal(kmsQueueRate(10), 8);
    assert.equal(kmsQueueRate(10, 'warm-up'), 8);
    assert.equal(kmsQueueRate(10, 'steady'), 9.5);
    assert.equal(kmsQueueRate(0.5), 0.4);
    assert.equal(kmsTaskWeight(66), 6);
    assert.equal(kmsTaskWeight(11), 1);
    assert.equal(kmsTaskWeight(2750), 100);
    assert.equal(kmsQueueRate(2750), 22);
    assert.equal(kmsQueueRate(2750, 'steady'), 26.125);
    assert.equal(kmsTaskWeight(1_000_000), 100, 'capped');
    assert.equal(kmsQueueRate(1_000_000), 8000);
    for (const budget of [1, 10, 11, 12, 66, 100, 1000, 2750, 5500, 50_000]) {
      for (const [phase, share] of [['warm-up', 0.8], ['steady', 0.95]] as const) {
        const requestsPerSecond = kmsQueueRate(budget, phase) * kmsTaskWeight(budget);
        assert.ok(Math.abs(requestsPerSecond - budget * share) < 0.05, `budget ${budget} ${phase}: ${requestsPerSecond}`);
      }
      assert.ok(kmsTaskWeight(budget) <= Math.max(1, budget / 10), `budget ${budget}: a task is at most a tenth of a second's budget`);
    }
  });
  it('times requests at the warm-up rate, then the steady rate', () => {
    assert.equal(secondsAtBudget(80, 100), 1);
    assert.equal(secondsAtBudget(400, 100), 5);
    assert.equal(secondsAtBudget(400 + 950, 100), 15);
  });
  it('pays for a cost with whole tasks of the weight', () => {
    assert.equal(kmsTasksFor(0, 44), 0);
    assert.equal(kmsTasksFor(44, 44), 1);
    assert.equal(kmsTasksFor(2, 1), 2);
    assert.equal(kmsTasksFor(45, 44), 2);
  });
});
