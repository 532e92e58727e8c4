import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyTasksPerSecond, kmsBudgetRps, kmsRequestsPerCopy, kmsRequestsPerMultipartCopy } from '../../common/kms-budget';
import { budgetFrom } from '../../client/options';

describe('KMS request model', () => {
  it('takes the budget directly or as a share of the quota (default 5,500 × 0.5)', () => {
    assert.equal(kmsBudgetRps({}), 2750);
    assert.equal(kmsBudgetRps({ kmsQuotaRps: 10000, kmsShare: 0.2 }), 2000);
    assert.equal(kmsBudgetRps({ maxKmsRps: 10 }), 10);
    assert.throws(() => budgetFrom({ maxKmsRps: 10, kmsShare: 0.5 }), /either --max-kms-rps or --kms-quota-rps\/--kms-share/);
    assert.throws(() => budgetFrom({ kmsShare: 2 }), /--kms-share must be at most 1/);
  });
  it('counts the requests S3 makes per copy', () => {
    assert.equal(kmsRequestsPerCopy(false, false), 1);
    assert.equal(kmsRequestsPerCopy(true, false), 2);
    assert.equal(kmsRequestsPerCopy(false, true), 0);
    assert.equal(kmsRequestsPerMultipartCopy(10, false), 11);
    assert.equal(kmsRequestsPerMultipartCopy(10, true), 21);
  });
  it('dispatches copies below the budget, leaving room for the limiter burst, and never above the S3 write rate', () => {
    assert.equal(copyTasksPerSecond(10, false), 9);
    assert.equal(copyTasksPerSecond(2750, true), 3500);
    assert.equal(copyTasksPerSecond(20, true), 1800);
  });
});
