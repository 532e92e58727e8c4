// Preflight's checks of ownership and of the engine, on the exact requests.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  S3Client,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/common';
import { preflight } from '../../activities/preflight';

const s3 = new S3Client({ region: 'us-east-1' });
const kms = new KMSClient({ region: 'us-east-1' });
const sts = new STSClient({ region: 'us-east-1' });
const [s3Mock, kmsMock, stsMock] = [mockClient(s3), mockClient(kms), mockClient(sts)];
const keyOf = (account: string) => `arn:aws:kms:us-east-1:${account}:key/k`;
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe('preflight', () => {
  beforeEach(() => {
    for (const mock of [s3Mock, kmsMock, stsMock]) mock.reset();
    s3Mock.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
    s3Mock.on(GetBucketVersioningCommand).resolves({});
    s3Mock
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    s3Mock.on(UpdateObjectEncryptionCommand).rejects(s3Error('NoSuchKey', 404));
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });
  });
  const run = (keyAccount: string, extra = {}) => {
    kmsMock
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: 'k', Arn: keyOf(keyAccount), KeyState: 'Enabled' } });
    return preflight(s3, kms, sts, { bucket: 'b', prefix: '', kmsKeyId: 'alias/k', engine: 'auto', ...extra });
  };

  it("expects the worker's own account to own the bucket, unless told another, on its HEAD of the bucket", async () => {
    const result = await run('111122223333');
    assert.equal(result.owner, '111122223333');
    const heads = s3Mock.commandCalls(HeadBucketCommand).map((c) => c.args[0].input.ExpectedBucketOwner);
    assert.deepEqual(heads, [undefined, '111122223333'], 'whether it is there, then whose it is');
    s3Mock.resetHistory();
    assert.equal((await run('444455556666', { expectedBucketOwner: '444455556666' })).owner, '444455556666');
    assert.equal(stsMock.commandCalls(GetCallerIdentityCommand).length, 1, 'STS only when no owner is given');
  });

  it('fails, naming the account, when S3 refuses the HEAD of a bucket it does not own', async () => {
    s3Mock.on(HeadBucketCommand, { ExpectedBucketOwner: '111122223333' }).rejects(s3Error('Forbidden', 403));
    await assert.rejects(
      run('111122223333'),
      (err: ApplicationFailure) =>
        err.nonRetryable &&
        /may not be owned by account 111122223333, the worker's own \(--expected-bucket-owner names another\)/.test(
          err.message,
        ),
    );
  });

  it('copies every object, without a probe, when the key is of another account than the bucket (S3 would refuse each update)', async () => {
    const result = await run('999999999999');
    assert.deepEqual(result.update, {
      available: false,
      reason:
        "UpdateObjectEncryption takes only a key of the bucket owner's account, and the key is of account " +
        '999999999999, the bucket of 111122223333',
    });
    assert.equal(s3Mock.commandCalls(UpdateObjectEncryptionCommand).length, 0);
    assert.deepEqual(
      (await run('111122223333')).update,
      { available: true },
      'a key of the same account: the probe answers',
    );
  });
});
