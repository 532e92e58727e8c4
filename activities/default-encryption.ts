import { GetBucketEncryptionCommand, PutBucketEncryptionCommand, type S3Client, type ServerSideEncryptionRule } from '@aws-sdk/client-s3';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ApplicationFailure } from '@temporalio/common';
import type { DefaultEncryption, DefaultEncryptionChange } from '../common/types';
import { errorCode, httpStatus, isRetryable, rethrowForTemporal } from './s3-errors';

const NONE = 'none (new uploads are not encrypted by default)';

/** The key a default-encryption rule names (an ARN, a key ID or an alias) as an ARN, when it can be told. */
async function keyArnOf(kms: KMSClient, named: string, keyArn: string): Promise<string | undefined> {
  if (named === keyArn || keyArn.endsWith(`:key/${named}`)) return keyArn;
  if (!named.includes('alias/')) return named;
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: named }))).KeyMetadata?.Arn;
  } catch (err) {
    if (isRetryable(err)) throw err;
    return undefined;
  }
}

/** The bucket's default-encryption rule; null when it has none; throws what S3 answered otherwise. */
async function readRule(s3: S3Client, bucket: string): Promise<ServerSideEncryptionRule | null> {
  try {
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    return out.ServerSideEncryptionConfiguration?.Rules?.[0] ?? null;
  } catch (err) {
    if (errorCode(err) === 'ServerSideEncryptionConfigurationNotFoundError') return null;
    throw err;
  }
}

/** What a rule means for new uploads, against the migration's key. */
async function describeRule(kms: KMSClient, rule: ServerSideEncryptionRule | null, keyArn: string): Promise<DefaultEncryption> {
  const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const named = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  const bucketKey = rule?.BucketKeyEnabled ? ', Bucket Key on' : '';
  if (algorithm === 'aws:kms' && named) {
    const arn = await keyArnOf(kms, named, keyArn);
    if (arn === keyArn) return { underKey: true, setting: `SSE-KMS under the key${bucketKey}` };
    return arn ? { underKey: false, setting: `SSE-KMS under another key (${arn})${bucketKey}` } : { setting: `SSE-KMS under ${named}, which could not be resolved` };
  }
  if (algorithm === 'aws:kms') return { underKey: false, setting: `SSE-KMS under the AWS managed key aws/s3${bucketKey}` };
  if (algorithm === 'AES256') return { underKey: false, setting: 'SSE-S3 (AES256)' };
  return { underKey: false, setting: algorithm ?? NONE };
}

/**
 * What new uploads to the bucket get when they name no encryption: a migration is finished only when that is
 * the key too, or objects written from then on are not under it. Read at the end of a migration, for its summary.
 */
export async function bucketDefaultEncryption(
  s3: S3Client,
  kms: KMSClient,
  input: { bucket: string; keyArn: string },
): Promise<DefaultEncryption> {
  let rule;
  try {
    rule = await readRule(s3, input.bucket);
  } catch (err) {
    if (isRetryable(err)) throw err;
    const why = httpStatus(err) === 403 ? 'access denied (s3:GetEncryptionConfiguration)' : errorCode(err);
    return { setting: `unknown: ${why}` };
  }
  return describeRule(kms, rule, input.keyArn);
}

/**
 * --set-default-encryption: make the key the bucket's default encryption before any object is listed, so
 * that nothing new arrives under another; what it replaced is returned, to be restored if need be. Writes
 * nothing when the key (with the Bucket Key setting asked for) already is the default. Fails the migration,
 * before any object is touched, when the setting cannot be read or written.
 */
export async function setDefaultEncryption(
  s3: S3Client,
  kms: KMSClient,
  input: { bucket: string; keyArn: string; bucketKeyEnabled: boolean },
): Promise<DefaultEncryptionChange> {
  try {
    const rule = await readRule(s3, input.bucket);
    const { underKey, setting } = await describeRule(kms, rule, input.keyArn);
    const previous = rule ? JSON.stringify({ Rules: [rule] }) : undefined;
    if (underKey && (rule?.BucketKeyEnabled ?? false) === input.bucketKeyEnabled) return { before: setting, changed: false, previous };
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: input.bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: input.keyArn }, BucketKeyEnabled: input.bucketKeyEnabled }],
        },
      }),
    );
    return { before: setting, changed: true, previous };
  } catch (err) {
    if (httpStatus(err) === 403) {
      throw ApplicationFailure.create({
        type: 'DefaultEncryptionNotSet',
        nonRetryable: true,
        message: `could not set the default encryption of bucket "${input.bucket}": access denied (needs s3:GetEncryptionConfiguration and s3:PutEncryptionConfiguration); no object was touched`,
      });
    }
    rethrowForTemporal(err, `set the default encryption of bucket "${input.bucket}"`);
  }
}
