import { z } from 'zod';
import {
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { awsClientsFromEnv } from './aws';
import { DEFAULTS } from '../common/types';
import { checkWorkerPrincipal, mergePolicy, migrationStatements, policyDiff, type BucketPolicy } from './bucket-policy';
import { errorCode } from '../activities/s3-errors';

export interface PolicyFlags {
  bucket?: string;
  kmsKey?: string;
  workerPrincipal?: string;
  tagKey?: string;
  tagValue?: string;
  apply?: boolean;
}

export interface PolicyOutcome {
  bucket: string;
  keyArn: string;
  versioned: boolean;
  refused: string[];
  /** A unified diff from the policy now to the proposed one; empty when nothing would change. */
  diff: string;
  policy: BucketPolicy;
  applied: boolean;
}

const flagsSchema = z.object({
  bucket: z.string({ error: '--bucket is required' }).min(1, '--bucket is required'),
  kmsKey: z.string({ error: '--kms-key is required' }).min(1, '--kms-key is required'),
  workerPrincipal: z.string().optional(),
  tagKey: z.string().min(1).default(DEFAULTS.tagKey),
  tagValue: z.string().default(DEFAULTS.tagValue),
  apply: z.boolean().default(false),
});

async function currentPolicy(s3: S3Client, bucket: string): Promise<BucketPolicy | undefined> {
  try {
    const out = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    return out.Policy ? (JSON.parse(out.Policy) as BucketPolicy) : undefined;
  } catch (err) {
    if (errorCode(err) === 'NoSuchBucketPolicy') return undefined;
    throw new Error(`could not read the policy of bucket "${bucket}": ${errorCode(err)}`);
  }
}

/**
 * `migrate policy`: the bucket policy statements AWS's walkthroughs write by hand, merged into the bucket's
 * policy and shown as a diff; written only with --apply. Changes nothing on bad input or a refusal.
 */
export async function runPolicy(flags: PolicyFlags): Promise<PolicyOutcome> {
  const parsed = flagsSchema.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const f = parsed.data;
  const workerPrincipal = f.workerPrincipal === undefined ? undefined : checkWorkerPrincipal(f.workerPrincipal);
  const { s3, kms } = awsClientsFromEnv(process.env);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: f.bucket })).catch((err) => {
      throw new Error(`bucket "${f.bucket}" ${errorCode(err) === 'NotFound' ? 'does not exist' : `is not reachable: ${errorCode(err)}`}`);
    });
    const keyArn = await kms
      .send(new DescribeKeyCommand({ KeyId: f.kmsKey }))
      .then((out) => out.KeyMetadata!.Arn!)
      .catch((err) => {
        throw new Error(`KMS key "${f.kmsKey}" could not be described: ${errorCode(err)}`);
      });
    const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: f.bucket }))).Status;
    const versioned = versioning === 'Enabled' || versioning === 'Suspended';
    const { statements, refused } = migrationStatements({ bucket: f.bucket, keyArn, versioned, tagKey: f.tagKey, tagValue: f.tagValue, workerPrincipal });
    const before = await currentPolicy(s3, f.bucket);
    const policy = mergePolicy(before, statements);
    const diff = policyDiff(f.bucket, before, policy);
    if (f.apply && diff) await s3.send(new PutBucketPolicyCommand({ Bucket: f.bucket, Policy: JSON.stringify(policy) }));
    return { bucket: f.bucket, keyArn, versioned, refused, diff, policy, applied: f.apply && diff !== '' };
  } finally {
    s3.destroy();
    kms.destroy();
  }
}
