import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { bucketPolicyCheck } from '../../activities/bucket-policy-check';
import { mergePolicy, migrationStatements } from '../../client/bucket-policy';
import { bucketFinished, exitCodeFor, formatBucketFinished } from '../../client/summary';
import { emptyCounts, type MigrationSummary } from '../../common/types';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k';
const s3 = new S3Client({ region: 'us-east-1' });
const mock = mockClient(s3);
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const check = () => bucketPolicyCheck(s3, { bucket: 'b', keyArn: KEY });

describe('is the bucket finished', () => {
  beforeEach(() => mock.reset());

  it("sees `migrate policy`'s statements, or a hand-written deny of other keys, as the policy in place", async () => {
    const ours = mergePolicy(
      undefined,
      migrationStatements({ bucket: 'b', keyArn: KEY, versioned: false, tagKey: 't', tagValue: 'v' }).statements,
    );
    mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(ours) });
    assert.equal((await check()).inPlace, true);
    const byHand = {
      Statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: ['s3:PutObject'],
        Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': [KEY] } },
      },
    };
    mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(byHand) });
    assert.equal((await check()).inPlace, true);
    const otherKey = mergePolicy(
      undefined,
      migrationStatements({ bucket: 'b', keyArn: `${KEY}-other`, versioned: false, tagKey: 't', tagValue: 'v' })
        .statements,
    );
    mock.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(otherKey) });
    assert.deepEqual(await check(), { inPlace: false, detail: 'nothing denies uploads under other keys' });
    mock.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404));
    assert.deepEqual(await check(), { inPlace: false, detail: 'no bucket policy' });
    mock.on(GetBucketPolicyCommand).rejects(s3Error('AccessDenied', 403));
    assert.deepEqual(await check(), { detail: 'unknown: access denied (s3:GetBucketPolicy)' });
  });

  it('says yes only when objects, default encryption and policy all are; exit 4 only when asked', () => {
    const summary = (over: Partial<MigrationSummary>): MigrationSummary =>
      ({
        counts: emptyCounts(),
        defaultEncryption: { underKey: true, setting: 'SSE-KMS under the key' },
        policy: { inPlace: true, detail: 'ok' },
        ...over,
      }) as MigrationSummary;
    assert.equal(bucketFinished(summary({})).finished, true);
    const noPolicy = summary({ policy: { inPlace: false, detail: 'no bucket policy' } });
    assert.deepEqual(bucketFinished(noPolicy), {
      objectsUnderKey: true,
      defaultEncryption: true,
      policy: false,
      finished: false,
    });
    assert.equal(exitCodeFor(noPolicy), 0, 'the exit code stays about the objects unless asked');
    assert.equal(exitCodeFor(noPolicy, true), 4);
    assert.equal(exitCodeFor(summary({ counts: { ...emptyCounts(), failed: 1 } }), true), 3);
    assert.match(
      formatBucketFinished(noPolicy),
      /bucket finished: no\n.*under the key\s+yes\n.*default encryption is the key\s+yes\n.*policy denies other keys\s+no \(no bucket policy; npm run migrate -- policy\)/,
    );
    assert.equal(bucketFinished(summary({ policy: { detail: 'unknown' } })).policy, undefined);
  });
});
