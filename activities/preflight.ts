import {
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { ApplicationFailure } from '@temporalio/common';
import type { Engine } from '../common/types';
import type { PreflightResult, UpdateAvailability } from '../common/contract';
import { probeUpdate } from './probe-update';
import { runWithBucketAccess } from './bucket-access';
import { errorCode, httpStatus, isRetryable, rethrowForTemporal } from './s3-errors';

export const PREFLIGHT_FAILED = 'PreflightFailed';

function fail(message: string): never {
  throw ApplicationFailure.create({ type: PREFLIGHT_FAILED, message, nonRetryable: true });
}

/** The worker's own account: the owner expected of a bucket unless the operator names another. */
async function workerAccount(sts: STSClient | undefined): Promise<string | undefined> {
  if (!sts) return undefined;
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Account;
  } catch (err) {
    if (isRetryable(err)) rethrowForTemporal(err, 'STS GetCallerIdentity');
    fail(
      `the worker's AWS account could not be told (sts:GetCallerIdentity: ${errorCode(err)}): give the bucket ` +
        `owner's account with --expected-bucket-owner`,
    );
  }
}

async function checkBucket(
  s3: S3Client,
  bucket: string,
  owner: string | undefined,
  ownerNamed: boolean,
): Promise<string> {
  try {
    const out = await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
    const workerRegion = await s3.config.region();
    if (out.BucketRegion && out.BucketRegion !== workerRegion) {
      fail(
        `bucket "${bucket}" is in ${out.BucketRegion}, the worker in ${workerRegion} (AWS_REGION): run workers in ` +
          `the bucket's region`,
      );
    }
    return out.BucketRegion ?? workerRegion;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (isRetryable(err)) rethrowForTemporal(err, `bucket "${bucket}" is not reachable`);
    const status = httpStatus(err);
    if (status === 404) fail(`bucket "${bucket}" does not exist`);
    if (status === 403 && owner) {
      const whose = ownerNamed
        ? `account ${owner}`
        : `account ${owner}, the worker's own (--expected-bucket-owner names another)`;
      fail(
        `access denied to bucket "${bucket}" (HeadBucket returned 403): it may not be owned by ${whose}, or the ` +
          `worker may not read it`,
      );
    }
    if (status === 403) fail(`access denied to bucket "${bucket}" (HeadBucket returned 403)`);
    if (status === 301) fail(`bucket "${bucket}" is in another region than the worker's S3 client`);
    fail(`bucket "${bucket}" is not reachable: ${errorCode(err)}`);
  }
}

async function resolveKey(kms: KMSClient, keyId: string, bucketRegion: string): Promise<string> {
  let meta;
  try {
    meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (err) {
    if (isRetryable(err)) throw err;
    const code = errorCode(err);
    if (code === 'NotFoundException') fail(`KMS key "${keyId}" was not found in region ${await kms.config.region()}`);
    if (code === 'AccessDeniedException') fail(`access denied to KMS key "${keyId}" (DescribeKey)`);
    fail(`KMS key "${keyId}" could not be described: ${code}`);
  }
  if (!meta?.Arn) fail(`KMS key "${keyId}" has no ARN in DescribeKey's answer`);
  const arn = meta.Arn;
  const named = keyId === arn ? `KMS key ${arn}` : `KMS key "${keyId}" (${arn})`;
  if (meta.KeyState !== 'Enabled') fail(`${named} is ${meta.KeyState}, not Enabled`);
  if (meta.KeySpec && meta.KeySpec !== 'SYMMETRIC_DEFAULT') {
    fail(`${named} has key spec ${meta.KeySpec}; S3 needs a symmetric key (SYMMETRIC_DEFAULT)`);
  }
  if (meta.KeyUsage && meta.KeyUsage !== 'ENCRYPT_DECRYPT') {
    fail(`${named} has key usage ${meta.KeyUsage}; S3 needs ENCRYPT_DECRYPT`);
  }
  const keyRegion = arn.split(':')[3];
  if (keyRegion !== bucketRegion) {
    fail(`${named} is in ${keyRegion} but the bucket is in ${bucketRegion}; S3 needs a key in the bucket's region`);
  }
  return arn;
}

async function versioningOf(s3: S3Client, bucket: string): Promise<PreflightResult['versioning']> {
  const out = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return out.Status ?? 'Disabled';
}

/**
 * Whether the bucket's objects have ACLs in force: every Object Ownership setting but BucketOwnerEnforced, and
 * a bucket without one (buckets created before April 2023 that were never changed).
 */
async function aclsInForce(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    return !out.OwnershipControls?.Rules?.some((rule) => rule.ObjectOwnership === 'BucketOwnerEnforced');
  } catch (err) {
    if (errorCode(err) === 'OwnershipControlsNotFoundError') return true;
    if (isRetryable(err)) throw err;
    if (httpStatus(err) === 403) {
      fail(
        `access denied to the Object Ownership of bucket "${bucket}" (s3:GetBucketOwnershipControls): needed to know ` +
          `whether copies must carry object ACLs`,
      );
    }
    fail(`the Object Ownership of bucket "${bucket}" could not be read: ${errorCode(err)}`);
  }
}

export interface PreflightInput {
  bucket: string;
  prefix: string;
  kmsKeyId: string;
  engine?: Engine;
  reportBucket?: string;
  expectedBucketOwner?: string;
  reportBucketOwner?: string;
  requesterPays?: boolean;
}

/** Everything that must hold before any object is touched; a failure names the bucket or key at fault. */
export async function preflight(
  s3: S3Client,
  kms: KMSClient,
  sts: STSClient | undefined,
  input: PreflightInput,
): Promise<PreflightResult> {
  // First whether the bucket is there at all (a HEAD tells its owner nothing), then whether its owner is the one
  // expected.
  await checkBucket(s3, input.bucket, undefined, false);
  const owner = input.expectedBucketOwner ?? (await workerAccount(sts));
  const reportOwner = input.reportBucket === undefined ? undefined : (input.reportBucketOwner ?? owner);
  const access = {
    bucket: input.bucket,
    owner,
    requesterPays: input.requesterPays,
    reportBucket: input.reportBucket,
    reportOwner,
  };
  return runWithBucketAccess(access, () => checkEverything(s3, kms, input, owner, reportOwner));
}

async function checkEverything(
  s3: S3Client,
  kms: KMSClient,
  input: PreflightInput,
  owner: string | undefined,
  reportOwner: string | undefined,
): Promise<PreflightResult> {
  const region = await checkBucket(s3, input.bucket, owner, input.expectedBucketOwner !== undefined);
  if (input.reportBucket !== undefined && input.reportBucket !== input.bucket) {
    await checkBucket(s3, input.reportBucket, reportOwner, input.reportBucketOwner !== undefined).catch((err: Error) =>
      fail(`--report-uri: ${err.message}`),
    );
  }
  const keyArn = await resolveKey(kms, input.kmsKeyId, region);
  const versioning = await versioningOf(s3, input.bucket);
  const acls = await aclsInForce(s3, input.bucket);
  const update = await engineFor(s3, input, keyArn, owner);
  return { keyArn, region, versioning, update, acls, owner, reportOwner };
}

/**
 * Whether objects are updated in place. UpdateObjectEncryption takes only a key of the bucket owner's account
 * (S3 refuses each object with AccessDenied otherwise): with a key of another account, every object is copied,
 * said once, and `plan` counts copies.
 */
async function engineFor(
  s3: S3Client,
  input: PreflightInput,
  keyArn: string,
  owner: string | undefined,
): Promise<UpdateAvailability> {
  if (input.engine !== 'auto') return { available: false, reason: 'copying every object (--engine copy)' };
  const keyAccount = keyArn.split(':')[4];
  if (owner && keyAccount && keyAccount !== owner) {
    return {
      available: false,
      reason:
        `UpdateObjectEncryption takes only a key of the bucket owner's account, and the key is of account ` +
        `${keyAccount}, the bucket of ${owner}`,
    };
  }
  return probeUpdate(s3, input.bucket, input.prefix, keyArn);
}
