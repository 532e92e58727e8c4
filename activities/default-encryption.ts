import { GetBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { DefaultEncryption } from '../common/types';
import { errorCode, httpStatus, isRetryable } from './s3-errors';

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
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: input.bucket }));
    rule = out.ServerSideEncryptionConfiguration?.Rules?.[0];
  } catch (err) {
    if (errorCode(err) === 'ServerSideEncryptionConfigurationNotFoundError') {
      return { underKey: false, setting: 'none (new uploads are not encrypted by default)' };
    }
    if (isRetryable(err)) throw err;
    const why = httpStatus(err) === 403 ? 'access denied (s3:GetEncryptionConfiguration)' : errorCode(err);
    return { setting: `unknown: ${why}` };
  }
  const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const named = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  const bucketKey = rule?.BucketKeyEnabled ? ', Bucket Key on' : '';
  if (algorithm === 'aws:kms' && named) {
    const arn = await keyArnOf(kms, named, input.keyArn);
    if (arn === input.keyArn) return { underKey: true, setting: `SSE-KMS under the key${bucketKey}` };
    return arn ? { underKey: false, setting: `SSE-KMS under another key (${arn})${bucketKey}` } : { setting: `SSE-KMS under ${named}, which could not be resolved` };
  }
  if (algorithm === 'aws:kms') return { underKey: false, setting: `SSE-KMS under the AWS managed key aws/s3${bucketKey}` };
  if (algorithm === 'AES256') return { underKey: false, setting: 'SSE-S3 (AES256)' };
  return { underKey: false, setting: algorithm ?? 'none (new uploads are not encrypted by default)' };
}
