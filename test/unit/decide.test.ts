import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../workflows/decide';
import type { ObjectSnapshot } from '../../common/types';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/target';
const options = { keyArn: ARN, multipartThresholdBytes: 100 };
const base: Extract<ObjectSnapshot, { exists: true }> = {
  exists: true, key: 'k', size: 10, etag: '"e"', storageClass: 'STANDARD', sse: 'AES256', archived: false, headers: {},
};

describe('decide', () => {
  it('copies SSE-S3 and unencrypted objects, in parts above the threshold', () => {
    assert.deepEqual(decide(base, options), { action: 'copy', multipart: false });
    assert.deepEqual(decide({ ...base, sse: undefined }, options), { action: 'copy', multipart: false });
    assert.deepEqual(decide({ ...base, size: 101 }, options), { action: 'copy', multipart: true });
    assert.deepEqual(decide({ ...base, size: 100 }, options), { action: 'copy', multipart: false });
  });
  it('re-encrypts objects under another KMS key', () => {
    assert.deepEqual(decide({ ...base, sse: 'aws:kms', kmsKeyArn: 'arn:other' }, options), { action: 'copy', multipart: false });
  });
  it('only makes sure of the tag for objects already under the key', () => {
    assert.deepEqual(decide({ ...base, sse: 'aws:kms', kmsKeyArn: ARN }, options), { action: 'ensure-tag' });
  });
  it('skips what it cannot or must not copy, with the reason', () => {
    const reason = (s: ObjectSnapshot) => {
      const d = decide(s, options);
      return d.action === 'skip' ? d.reason : d.action;
    };
    assert.equal(reason({ exists: false, key: 'k' }), 'vanished');
    assert.equal(reason({ ...base, sseCustomerAlgorithm: 'AES256' }), 'sse-c');
    assert.equal(reason({ ...base, archived: true, storageClass: 'GLACIER' }), 'archived');
    assert.equal(reason({ ...base, sse: 'aws:kms:dsse', kmsKeyArn: 'x' }), 'dsse-kms');
  });
});
