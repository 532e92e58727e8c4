import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type DecideOptions } from '../../common/decide';
import type { ObjectSnapshot } from '../../common/contract';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/target';
const NOW = Date.parse('2026-12-07T00:00:00Z');
const copying = { keyArn: ARN, multipartThresholdBytes: 100, update: false, bucketKeyEnabled: false, now: NOW };
const updating = { ...copying, update: true };
const base: Extract<ObjectSnapshot, { exists: true }> = {
  exists: true,
  key: 'k',
  size: 10,
  etag: '"e"',
  storageClass: 'STANDARD',
  sse: 'AES256',
  archived: false,
};
const action = (s: ObjectSnapshot, o: DecideOptions = updating) => {
  const d = decide(s, o);
  return d.action === 'skip'
    ? `skip:${d.reason}`
    : d.action === 'copy'
      ? `copy${d.multipart ? ':multipart' : ''}`
      : d.action;
};

describe('decide, where S3 offers UpdateObjectEncryption', () => {
  it('updates SSE-S3 objects and objects under another key in place, of any size or class', () => {
    assert.equal(action(base), 'update');
    assert.equal(action({ ...base, sse: 'aws:kms', kmsKeyArn: 'arn:other' }), 'update');
    assert.equal(action({ ...base, size: 101 }), 'update', 'no multipart copy: no data moves');
    assert.equal(
      action({ ...base, archived: true, storageClass: 'GLACIER' }),
      'update',
      'updated where it lies, not restored',
    );
    assert.equal(
      action({ ...base, archived: true, storageClass: 'DEEP_ARCHIVE', sse: 'aws:kms', kmsKeyArn: 'x' }),
      'update',
    );
  });
  it('copies what the operation refuses: unencrypted objects', () => {
    assert.equal(action({ ...base, sse: undefined }), 'copy');
    assert.equal(action({ ...base, sse: undefined, size: 101 }), 'copy:multipart');
    assert.equal(action({ ...base, sse: undefined, archived: true, storageClass: 'GLACIER' }), 'skip:archived');
  });
  it('under the key: the tag only, or an update when the operator wants a Bucket Key the object lacks', () => {
    const underKey = { ...base, sse: 'aws:kms', kmsKeyArn: ARN };
    assert.equal(action(underKey), 'ensure-tag');
    assert.equal(action(underKey, { ...updating, bucketKeyEnabled: true }), 'update');
    assert.equal(
      action({ ...underKey, bucketKeyEnabled: true }, { ...updating, bucketKeyEnabled: true }),
      'ensure-tag',
    );
    assert.equal(
      action(underKey, { ...copying, bucketKeyEnabled: true }),
      'ensure-tag',
      'never a copy just for the Bucket Key',
    );
  });
  it('skips SSE-C, DSSE-KMS and vanished objects with the reason', () => {
    assert.equal(action({ exists: false, key: 'k' }), 'skip:vanished');
    assert.equal(action({ ...base, sseCustomerAlgorithm: 'AES256' }), 'skip:sse-c');
    assert.equal(action({ ...base, sse: 'aws:kms:dsse', kmsKeyArn: 'x' }), 'skip:dsse-kms');
  });
});

describe('decide, for a noncurrent version (--all-versions)', () => {
  const noncurrent = { ...updating, noncurrent: true };
  it('updates it in place, tags it under the key, and never copies it (a copy would become current)', () => {
    assert.equal(action(base, noncurrent), 'update');
    assert.equal(action({ ...base, sse: 'aws:kms', kmsKeyArn: ARN }, noncurrent), 'ensure-tag');
    assert.equal(action({ ...base, sse: undefined }, noncurrent), 'skip:noncurrent-not-updatable');
    assert.equal(action(base, { ...noncurrent, update: false }), 'skip:noncurrent-not-updatable');
  });
});

describe('decide, copying (no UpdateObjectEncryption, or refused for this object)', () => {
  it('copies SSE-S3 and unencrypted objects, in parts above the threshold', () => {
    assert.equal(action(base, copying), 'copy');
    assert.equal(action({ ...base, sse: undefined }, copying), 'copy');
    assert.equal(action({ ...base, size: 101 }, copying), 'copy:multipart');
    assert.equal(action({ ...base, size: 100 }, copying), 'copy');
    assert.equal(action({ ...base, sse: 'aws:kms', kmsKeyArn: 'arn:other' }, copying), 'copy');
  });
  it('copies in one request, above the threshold, where only that keeps a whole-object SHA/MD5/XXHASH checksum', () => {
    const big = { ...base, size: 101 };
    assert.equal(action({ ...big, checksumAlgorithm: 'SHA256', checksumType: 'FULL_OBJECT' }, copying), 'copy');
    assert.equal(action({ ...big, checksumAlgorithm: 'XXHASH64', checksumType: 'FULL_OBJECT' }, copying), 'copy');
    assert.equal(
      action({ ...big, checksumAlgorithm: 'CRC32', checksumType: 'FULL_OBJECT' }, copying),
      'copy:multipart',
      'CRCs combine',
    );
    assert.equal(action({ ...big, checksumAlgorithm: 'SHA256', checksumType: 'COMPOSITE' }, copying), 'copy:multipart');
    const overOneCopy = {
      ...base,
      size: 5 * 1024 ** 3 + 1,
      checksumAlgorithm: 'SHA256',
      checksumType: 'FULL_OBJECT',
    } as const;
    assert.equal(action(overOneCopy, copying), 'copy:multipart', 'above 5 GiB no single copy exists');
  });
  it('copies an object with annotations in one request up to 5 GiB (parts drop them), and skips it above', () => {
    assert.equal(action({ ...base, size: 101, annotated: true }, copying), 'copy');
    assert.equal(action({ ...base, size: 5 * 1024 ** 3, annotated: true }, copying), 'copy');
    assert.equal(action({ ...base, size: 5 * 1024 ** 3 + 1, annotated: true }, copying), 'skip:annotated-over-5gib');
    assert.equal(
      action({ ...base, size: 5 * 1024 ** 3 + 1, annotated: true }, updating),
      'update',
      'an update keeps them',
    );
  });
  it('only makes sure of the tag for objects already under the key', () => {
    assert.equal(action({ ...base, sse: 'aws:kms', kmsKeyArn: ARN }, copying), 'ensure-tag');
  });
  it('skips what it cannot or must not copy, with the reason', () => {
    assert.equal(action({ exists: false, key: 'k' }, copying), 'skip:vanished');
    assert.equal(action({ ...base, sseCustomerAlgorithm: 'AES256' }, copying), 'skip:sse-c');
    assert.equal(action({ ...base, archived: true, storageClass: 'GLACIER' }, copying), 'skip:archived');
    assert.equal(action({ ...base, sse: 'aws:kms:dsse', kmsKeyArn: 'x' }, copying), 'skip:dsse-kms');
  });
});

describe('decide, for an object under Object Lock', () => {
  const retained = {
    ...base,
    lock: { mode: 'GOVERNANCE' as const, retainUntil: new Date(NOW + 86_400_000).toISOString() },
  };
  const held = { ...base, sse: undefined, lock: { legalHold: 'ON' as const } };
  it('skips it (object-lock): S3 refuses the update, and a copy would keep its data twice until the lock ends', () => {
    assert.equal(action(retained), 'skip:object-lock');
    assert.equal(action(held), 'skip:object-lock');
    const d = decide(retained, updating);
    assert.ok(
      d.action === 'skip' && /GOVERNANCE retention until .*--copy-locked copies it/.test(d.message),
      JSON.stringify(d),
    );
  });
  it('with --copy-locked, copies it without trying the update S3 would refuse; never a noncurrent version', () => {
    const copyLocked = { ...updating, copyLocked: true };
    assert.equal(action(retained, copyLocked), 'copy');
    assert.equal(action(held, copyLocked), 'copy');
    assert.equal(action(retained, { ...copyLocked, noncurrent: true }), 'skip:object-lock');
  });
  it('treats a retention that is over, or a legal hold that is off, as no lock', () => {
    const over = {
      ...base,
      lock: { mode: 'COMPLIANCE' as const, retainUntil: new Date(NOW - 1000).toISOString(), legalHold: 'OFF' as const },
    };
    assert.equal(action(over), 'update');
  });
  it('under the key: tags it (tags are not locked), and never asks a refused update for a Bucket Key', () => {
    const underKey = { ...retained, sse: 'aws:kms', kmsKeyArn: ARN };
    assert.equal(action(underKey, { ...updating, bucketKeyEnabled: true }), 'ensure-tag');
  });
});
