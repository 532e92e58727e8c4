import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyTally, tallyObject } from '../../common/plan-model';
import { estimatePlan } from '../../client/plan-estimate';
import { sampled } from '../../activities/survey-page';
import type { ObjectSnapshot } from '../../common/contract';
import type { PlanResult } from '../../workflows/plan-bucket';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
const NOW = Date.parse('2026-12-07T00:00:00Z');
const ctx = { keyArn: KEY, versioned: false, aclsInForce: false, partSizeBytes: 5 * 1024 ** 2, now: NOW };
const object = (extra: Partial<Extract<ObjectSnapshot, { exists: true }>> = {}): ObjectSnapshot => ({
  exists: true,
  key: 'k',
  size: 100,
  etag: '"e"',
  storageClass: 'STANDARD',
  archived: false,
  tagCount: 0,
  ...extra,
});

describe('the plan model', () => {
  it('counts objects under Object Lock and their bytes, which a copy would store twice; not a retention that is over', () => {
    const t = emptyTally();
    const until = (ms: number) => new Date(NOW + ms).toISOString();
    tallyObject(
      t,
      object({ size: 300, lock: { mode: 'GOVERNANCE', retainUntil: until(86_400_000) } }),
      { action: 'skip', reason: 'object-lock', message: '' },
      ctx,
    );
    tallyObject(t, object({ size: 200, lock: { legalHold: 'ON' } }), { action: 'copy', multipart: false }, ctx);
    tallyObject(
      t,
      object({ size: 100, lock: { mode: 'COMPLIANCE', retainUntil: until(-1000) } }),
      { action: 'update' },
      ctx,
    );
    assert.deepEqual(t.locked, { objects: 2, bytes: 500 });
  });

  it('counts the requests and KMS requests of each action as the worker makes them', () => {
    const t = emptyTally();
    tallyObject(t, object({ sse: 'AES256' }), { action: 'update' }, ctx);
    tallyObject(t, object({ sse: 'aws:kms', kmsKeyArn: 'other', tagCount: 2 }), { action: 'update' }, ctx);
    tallyObject(t, object({ size: 12 * 1024 ** 2 }), { action: 'copy', multipart: true }, ctx);
    tallyObject(t, object({ sse: 'aws:kms', kmsKeyArn: KEY, tagCount: undefined }), { action: 'ensure-tag' }, ctx);
    assert.deepEqual(t.requests, {
      // The first look of each, the confirming HEAD of each update, the copy's verification, its headers' read.
      HeadObject: 4 + 2 + 1 + 1 + 1, // … and the tag-only object's confirming HEAD
      UpdateObjectEncryption: 2,
      GetObjectTagging: 2, // only where there are tags, or the endpoint did not say
      PutObjectTagging: 2,
      ListObjectAnnotations: 1,
      CreateMultipartUpload: 1,
      UploadPartCopy: 3,
      ListParts: 1,
      CompleteMultipartUpload: 1,
    });
    // SSE-S3: a data key; another KMS key: its Decrypt too; in parts: the upload's key and each part's Decrypt.
    assert.equal(t.kmsRequests, 1 + 2 + (1 + 3));
    assert.equal(t.kmsRequestsWithBucketKey, 0 + 1 + 0);
    tallyObject(t, object({ sse: 'AES256', tagCount: 10 }), { action: 'update' }, ctx);
    assert.equal(t.tooManyTags, 1, 'ten tags counted from HEAD');
    assert.deepEqual(Object.keys(t.byState).sort(), [
      'SSE-KMS under another key',
      'SSE-KMS under the key',
      'SSE-S3',
      'not encrypted',
    ]);
  });

  it('scales a sample to the listing (not the listing requests), prices them, and times them at the budget', () => {
    const t = emptyTally();
    t.listed = { objects: 1000, bytes: 1000 * 100 };
    t.requests.ListObjects = 1;
    for (let i = 0; i < 10; i++) tallyObject(t, object({ sse: 'AES256' }), { action: 'update' }, ctx);
    const plan = {
      bucket: 'b',
      prefix: '',
      keyArn: KEY,
      versioning: 'Disabled',
      updateAvailable: true,
      aclsInForce: false,
      sampleRate: 0.01,
      tally: t,
    } as PlanResult;
    const e = estimatePlan(plan, {
      bucketKey: false,
      budgetRps: 100,
      prices: { putPer1000: 0.005, getPer1000: 0.0004, kmsPer10000: 0.03 },
    });
    assert.equal(e.scale, 100);
    assert.deepEqual(e.requests, {
      ListObjects: 1,
      HeadObject: 2000,
      UpdateObjectEncryption: 1000,
      PutObjectTagging: 1000,
    });
    assert.equal(e.kmsRequests, 1000);
    assert.equal(e.costUsd.s3Requests.toFixed(6), ((2001 / 1000) * 0.005 + (2000 / 1000) * 0.0004).toFixed(6));
    assert.equal(e.costUsd.kmsRequests.toFixed(4), '0.0030');
    assert.equal(
      e.durationSeconds.toFixed(2),
      (1000 / (4.508 * 20)).toFixed(2),
      'at 4.508 tasks/s of 20 requests each',
    );
    assert.equal(e.monthlyReads.readsPerMonth, 1000);
    assert.ok(e.monthlyReads.withBucketKeysUsd < e.monthlyReads.withoutBucketKeysUsd / 50);
  });

  it('samples keys by hash: stable, and close to the rate over many keys', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `o${String(i).padStart(5, '0')}`);
    const chosen = keys.filter((k) => sampled(k, 0.05)).length;
    assert.ok(chosen > 400 && chosen < 600, `${chosen} of 10,000 at 5%`);
    assert.equal(keys.filter((k) => sampled(k, 0.05)).length, chosen);
    assert.equal(sampled('anything', 1), true);
  });
});
