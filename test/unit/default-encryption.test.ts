import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  bucketDefaultEncryption,
  readDefaultEncryption,
  writeDefaultEncryption,
} from '../../activities/default-encryption';
import { formatDefaultEncryption, formatDefaultEncryptionSet } from '../../client/summary';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const s3 = new S3Client({ region: 'us-east-1' });
const kms = new KMSClient({ region: 'us-east-1' });
const s3Mock = mockClient(s3);
const kmsMock = mockClient(kms);
const s3Error = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
const withRule = (rule: ServerSideEncryptionRule) =>
  s3Mock.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [rule] } });
const read = () => bucketDefaultEncryption(s3, kms, { bucket: 'b', keyArn: ARN });
const kmsDefault = (KMSMasterKeyID?: string, BucketKeyEnabled?: boolean) =>
  withRule({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID }, BucketKeyEnabled });

describe("the bucket's default encryption, for the summary", () => {
  beforeEach(() => {
    s3Mock.reset();
    kmsMock.reset();
  });

  it('is under the key when the rule names it by ARN, key ID or an alias of it', async () => {
    kmsDefault(ARN, true);
    assert.deepEqual(await read(), { underKey: true, setting: 'SSE-KMS under the key, Bucket Key on' });
    kmsDefault('1234abcd-12ab-34cd-56ef-1234567890ab');
    assert.deepEqual(await read(), { underKey: true, setting: 'SSE-KMS under the key' });
    kmsDefault('alias/archive');
    kmsMock.on(DescribeKeyCommand, { KeyId: 'alias/archive' }).resolves({ KeyMetadata: { KeyId: 'k', Arn: ARN } });
    assert.equal((await read()).underKey, true);
    assert.equal(kmsMock.commandCalls(DescribeKeyCommand).length, 1, 'only an alias needs KMS');
  });

  it('is not under the key for SSE-S3, the AWS managed key, another key or no default at all', async () => {
    withRule({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    assert.deepEqual(await read(), { underKey: false, setting: 'SSE-S3 (AES256)' });
    kmsDefault(undefined);
    assert.equal((await read()).underKey, false);
    kmsDefault('arn:aws:kms:us-east-1:111122223333:key/other');
    assert.match((await read()).setting, /another key \(arn:.*key\/other\)/);
    s3Mock.on(GetBucketEncryptionCommand).rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError', 404));
    assert.deepEqual(await read(), { underKey: false, setting: 'none (new uploads are not encrypted by default)' });
  });

  it('says it cannot tell when it may not read the setting or resolve the alias', async () => {
    s3Mock.on(GetBucketEncryptionCommand).rejects(s3Error('AccessDenied', 403));
    assert.deepEqual(await read(), { setting: 'unknown: access denied (s3:GetEncryptionConfiguration)' });
    kmsDefault('alias/gone');
    kmsMock.on(DescribeKeyCommand).rejects(s3Error('NotFoundException', 400));
    assert.equal((await read()).underKey, undefined);
  });

  it('prints what it means for new uploads', () => {
    assert.match(
      formatDefaultEncryption({ underKey: true, setting: 'SSE-KMS under the key' }),
      /new uploads are under the key too/,
    );
    assert.match(
      formatDefaultEncryption({ underKey: false, setting: 'SSE-S3 (AES256)' }),
      /SSE-S3 \(AES256\): new uploads are NOT under the key/,
    );
    assert.match(formatDefaultEncryption({ setting: 'unknown: x' }), /could not tell/);
    assert.equal(formatDefaultEncryption(undefined), '');
  });
});

describe('--set-default-encryption', () => {
  /** As the workflow does it: read (recorded in history), then write from what was read. */
  const set = async (bucketKeyEnabled = false) => {
    const target = { bucket: 'b', keyArn: ARN, bucketKeyEnabled };
    const found = await readDefaultEncryption(s3, kms, target);
    if (found.changed) await writeDefaultEncryption(s3, { ...target, previous: found.previous });
    return found;
  };
  beforeEach(() => {
    s3Mock.reset();
    kmsMock.reset();
    s3Mock.on(PutBucketEncryptionCommand).resolves({});
  });

  it('makes the key the default, with the Bucket Key asked for, and returns what it replaced', async () => {
    withRule({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false });
    const change = await set(true);
    assert.deepEqual(change, {
      before: 'SSE-S3 (AES256)',
      changed: true,
      previous: '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":false}]}',
    });
    assert.deepEqual(s3Mock.commandCalls(PutBucketEncryptionCommand)[0].args[0].input, {
      Bucket: 'b',
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ARN },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    assert.match(
      formatDefaultEncryptionSet(change, 'b'),
      /it was SSE-S3 \(AES256\) \(to restore it: aws s3api put-bucket-encryption --bucket b --server-side-encryption-configuration '\{"Rules"/,
    );
  });

  it('writes nothing when the key already is the default; a bucket with no default is restored by deleting it', async () => {
    kmsDefault(ARN, false);
    assert.deepEqual(await set(false), {
      before: 'SSE-KMS under the key',
      changed: false,
      previous: JSON.stringify({
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ARN },
            BucketKeyEnabled: false,
          },
        ],
      }),
    });
    assert.equal(s3Mock.commandCalls(PutBucketEncryptionCommand).length, 0);
    assert.equal((await set(true)).changed, true, 'the Bucket Key setting differs');

    s3Mock.on(GetBucketEncryptionCommand).rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError', 404));
    const change = await set();
    assert.equal(change.previous, undefined);
    assert.match(formatDefaultEncryptionSet(change, 'b'), /delete-bucket-encryption --bucket b/);
  });

  it('fails for good, naming the permissions, when it may not write the setting', async () => {
    withRule({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    s3Mock.on(PutBucketEncryptionCommand).rejects(s3Error('AccessDenied', 403));
    await assert.rejects(
      set(),
      (err: ApplicationFailure) =>
        err.nonRetryable && /s3:PutEncryptionConfiguration.*no object was touched/.test(err.message),
    );
  });

  it('changes only the default in a copy of the rule: the SSE-C block (BlockedEncryptionTypes) and the rest stay', async () => {
    const rule = {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const },
      BucketKeyEnabled: false,
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C' as const] },
    };
    withRule(rule);
    await set(true);
    assert.deepEqual(
      s3Mock.commandCalls(PutBucketEncryptionCommand)[0].args[0].input.ServerSideEncryptionConfiguration,
      {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ARN },
            BucketKeyEnabled: true,
            BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
          },
        ],
      },
    );
  });

  it('refuses to downgrade a DSSE-KMS default to SSE-KMS, writing nothing', async () => {
    withRule({ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: ARN } });
    await assert.rejects(
      set(),
      (err: ApplicationFailure) =>
        err.nonRetryable && err.type === 'DefaultEncryptionNotSet' && /dual-layer .* run without it/.test(err.message),
    );
    assert.equal(s3Mock.commandCalls(PutBucketEncryptionCommand).length, 0);
  });

  it('writes from the configuration recorded before the write, never from what the bucket holds then (its own rule, after a crash)', async () => {
    const previous = JSON.stringify({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    await writeDefaultEncryption(s3, { bucket: 'b', keyArn: ARN, bucketKeyEnabled: false, previous });
    await writeDefaultEncryption(s3, { bucket: 'b', keyArn: ARN, bucketKeyEnabled: false, previous }); // a retry
    assert.equal(s3Mock.commandCalls(GetBucketEncryptionCommand).length, 0, 'the write reads nothing');
    const written = s3Mock.commandCalls(PutBucketEncryptionCommand).map((c) => JSON.stringify(c.args[0].input));
    assert.equal(written[0], written[1], 'a retry writes the same');
  });
});
