import {
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  type S3Client,
  type ServerSideEncryptionConfiguration,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
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

/** The bucket's default-encryption configuration; null when it has none; throws what S3 answered otherwise. */
async function readConfiguration(s3: S3Client, bucket: string): Promise<ServerSideEncryptionConfiguration | null> {
  try {
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    return out.ServerSideEncryptionConfiguration ?? null;
  } catch (err) {
    if (errorCode(err) === 'ServerSideEncryptionConfigurationNotFoundError') return null;
    throw err;
  }
}

/** What a rule means for new uploads, against the migration's key. */
async function describeRule(
  kms: KMSClient,
  rule: ServerSideEncryptionRule | null,
  keyArn: string,
): Promise<DefaultEncryption> {
  const algorithm = rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  const named = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  const bucketKey = rule?.BucketKeyEnabled ? ', Bucket Key on' : '';
  if (algorithm === 'aws:kms' && named) {
    const arn = await keyArnOf(kms, named, keyArn);
    if (arn === keyArn) return { underKey: true, setting: `SSE-KMS under the key${bucketKey}` };
    return arn
      ? { underKey: false, setting: `SSE-KMS under another key (${arn})${bucketKey}` }
      : { setting: `SSE-KMS under ${named}, which could not be resolved` };
  }
  if (algorithm === 'aws:kms')
    return { underKey: false, setting: `SSE-KMS under the AWS managed key aws/s3${bucketKey}` };
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
    rule = (await readConfiguration(s3, input.bucket))?.Rules?.[0] ?? null;
  } catch (err) {
    if (isRetryable(err)) throw err;
    const why = httpStatus(err) === 403 ? 'access denied (s3:GetEncryptionConfiguration)' : errorCode(err);
    return { setting: `unknown: ${why}` };
  }
  return describeRule(kms, rule, input.keyArn);
}

/**
 * --set-default-encryption, first step: what the bucket's default is, and whether making the key the default
 * changes it. Its result (with the configuration as GetBucketEncryption returned it) is recorded in the
 * workflow's history before anything is written, so the previous configuration it reports is the bucket's own
 * even if a worker dies after the write. Refuses to downgrade a DSSE-KMS default to SSE-KMS.
 */
export async function readDefaultEncryption(
  s3: S3Client,
  kms: KMSClient,
  input: { bucket: string; keyArn: string; bucketKeyEnabled: boolean },
): Promise<DefaultEncryptionChange> {
  try {
    const config = await readConfiguration(s3, input.bucket);
    const rule = config?.Rules?.[0] ?? null;
    if (rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms:dsse') {
      throw ApplicationFailure.create({
        type: 'DefaultEncryptionNotSet',
        nonRetryable: true,
        message:
          `the default encryption of bucket "${input.bucket}" is dual-layer SSE-KMS (DSSE-KMS): ` +
          `--set-default-encryption would weaken it to SSE-KMS; run without it. No object was touched`,
      });
    }
    const { underKey, setting } = await describeRule(kms, rule, input.keyArn);
    const previous = config ? JSON.stringify(config) : undefined;
    const changed = !(underKey && (rule?.BucketKeyEnabled ?? false) === input.bucketKeyEnabled);
    return { before: setting, changed, previous };
  } catch (err) {
    failDefaultEncryption(err, input.bucket);
  }
}

/**
 * The configuration with the key as the default: a copy of the previous one with only the default encryption
 * and the Bucket Key changed, so that everything else it holds (such as BlockedEncryptionTypes, which blocks
 * SSE-C uploads) stays as it was.
 */
export function configurationWithKey(
  previous: string | undefined,
  keyArn: string,
  bucketKeyEnabled: boolean,
): ServerSideEncryptionConfiguration {
  const config = (previous ? JSON.parse(previous) : { Rules: [] }) as ServerSideEncryptionConfiguration;
  const [first, ...others] = config.Rules ?? [];
  const rule: ServerSideEncryptionRule = {
    ...first,
    ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
    BucketKeyEnabled: bucketKeyEnabled,
  };
  return { ...config, Rules: [rule, ...others] };
}

/**
 * --set-default-encryption, second step: writes the configuration with the key, built from the previous one
 * the first step recorded. Writing it again (a retry) writes the same.
 */
export async function writeDefaultEncryption(
  s3: S3Client,
  input: { bucket: string; keyArn: string; bucketKeyEnabled: boolean; previous?: string },
): Promise<void> {
  try {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: input.bucket,
        ServerSideEncryptionConfiguration: configurationWithKey(input.previous, input.keyArn, input.bucketKeyEnabled),
      }),
    );
  } catch (err) {
    failDefaultEncryption(err, input.bucket);
  }
}

/** Fails the migration, before any object is touched, when the setting cannot be read or written. */
function failDefaultEncryption(err: unknown, bucket: string): never {
  if (httpStatus(err) === 403) {
    throw ApplicationFailure.create({
      type: 'DefaultEncryptionNotSet',
      nonRetryable: true,
      message:
        `could not set the default encryption of bucket "${bucket}": access denied (needs ` +
        `s3:GetEncryptionConfiguration and s3:PutEncryptionConfiguration); no object was touched`,
    });
  }
  rethrowForTemporal(err, `set the default encryption of bucket "${bucket}"`);
}
