import { z } from 'zod';
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsClientsFromEnv } from './aws';
import { markerTagKey, markerTagValue } from './options';
import {
  checkWorkerPrincipal,
  formatPolicy,
  mergePolicy,
  migrationStatements,
  policyDiff,
  READ_DENY_SID,
  type BucketPolicy,
} from './bucket-policy';
import { latestMigrationsOf, readDenyPlan, type ReadDenyPlan } from './migrated-prefixes';
import { defaultBackupDir, readPolicyBackup, savePolicyBackup } from './policy-backup';
import { connectTemporal, type Connected } from './connect';
import { bucketDefaultEncryption } from '../activities/default-encryption';
import { errorCode } from '../activities/s3-errors';

export interface PolicyFlags {
  bucket?: string;
  kmsKey?: string;
  workerPrincipal?: string;
  tagKey?: string;
  tagValue?: string;
  apply?: boolean;
  restore?: boolean;
  from?: string;
  force?: boolean;
  backupDir?: string;
}

export interface PolicyOutcome {
  bucket: string;
  keyArn?: string;
  versioned?: boolean;
  /** Statements left out, and other things to know, each with why. */
  refused: string[];
  /** A unified diff from the policy now to the proposed (or restored) one; empty when nothing would change. */
  diff: string;
  /** The proposed policy; null: a restore that removes the bucket's policy. */
  policy: BucketPolicy | null;
  applied: boolean;
  /** Where the policy it replaced was saved (--apply), or what was restored (--restore). */
  backup?: string;
}

const flagsSchema = z.object({
  bucket: z.string({ error: '--bucket is required' }).min(1, '--bucket is required'),
  kmsKey: z.string({ error: '--kms-key is required' }).min(1, '--kms-key is required'),
  workerPrincipal: z.string().optional(),
  tagKey: markerTagKey,
  tagValue: markerTagValue,
  apply: z.boolean().default(false),
  backupDir: z.string().min(1).optional(),
});

const restoreSchema = z.object({
  bucket: z.string({ error: '--bucket is required' }).min(1, '--bucket is required'),
  from: z.string().min(1).optional(),
  force: z.boolean().default(false),
  backupDir: z.string().min(1).optional(),
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

async function checkBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new HeadBucketCommand({ Bucket: bucket })).catch((err) => {
    throw new Error(
      `bucket "${bucket}" ${errorCode(err) === 'NotFound' ? 'does not exist' : `is not reachable: ${errorCode(err)}`}`,
    );
  });
}

/** Where the read-deny goes, from the migrations Temporal knows of; without Temporal, nowhere, saying why. */
async function readDenyFor(bucket: string, keyArn: string): Promise<ReadDenyPlan> {
  let connected: Connected;
  try {
    connected = await connectTemporal(process.env);
  } catch (err) {
    const why =
      `not proposed: the read-deny of unmarked versions needs to know which prefixes were migrated, and ` +
      `Temporal could not be reached: ${(err as Error).message}`;
    return { prefixes: [], notes: [why], blockers: [] };
  }
  try {
    return readDenyPlan(bucket, keyArn, await latestMigrationsOf(connected, bucket));
  } catch (err) {
    const why =
      `not proposed: the read-deny of unmarked versions needs to know which prefixes were migrated, and ` +
      `Temporal could not list them: ${(err as Error).message}`;
    return { prefixes: [], notes: [why], blockers: [] };
  } finally {
    await connected.close();
  }
}

/** Uploads that name no encryption get the default: say so when that is not the key. */
async function defaultNote(s3: S3Client, kms: KMSClient, bucket: string, keyArn: string): Promise<string[]> {
  const { underKey, setting } = await bucketDefaultEncryption(s3, kms, { bucket, keyArn });
  if (underKey) return [];
  return [
    `note: uploads that name no encryption are not denied and get the bucket's default encryption, which is ` +
      `${setting}, not the key: set it (migrate --set-default-encryption)`,
  ];
}

/**
 * `migrate policy`: statements in the spirit of AWS's walkthroughs, merged into the bucket's policy and shown
 * as a diff; written only with --apply, after the policy it replaces is saved. Changes nothing on bad input
 * or a refusal.
 */
export async function runPolicy(flags: PolicyFlags): Promise<PolicyOutcome> {
  if (flags.restore) return restorePolicy(flags);
  const parsed = flagsSchema.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const f = parsed.data;
  const workerPrincipal = f.workerPrincipal === undefined ? undefined : checkWorkerPrincipal(f.workerPrincipal);
  const { s3, kms } = awsClientsFromEnv(process.env);
  try {
    await checkBucket(s3, f.bucket);
    const keyArn = await kms
      .send(new DescribeKeyCommand({ KeyId: f.kmsKey }))
      .then((out) => out.KeyMetadata!.Arn!)
      .catch((err) => {
        throw new Error(`KMS key "${f.kmsKey}" could not be described: ${errorCode(err)}`);
      });
    const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: f.bucket }))).Status;
    const versioned = versioning === 'Enabled' || versioning === 'Suspended';
    const readDeny = versioned ? await readDenyFor(f.bucket, keyArn) : undefined;
    const request = {
      bucket: f.bucket,
      keyArn,
      versioned,
      tagKey: f.tagKey,
      tagValue: f.tagValue,
      workerPrincipal,
      readDeny,
    };
    const { statements, refused } = migrationStatements(request);
    refused.push(...(await defaultNote(s3, kms, f.bucket, keyArn)));
    const before = await currentPolicy(s3, f.bucket);
    const policy = mergePolicy(before, statements);
    const diff = policyDiff(f.bucket, before, policy);
    const outcome: PolicyOutcome = { bucket: f.bucket, keyArn, versioned, refused, diff, policy, applied: false };
    if (!f.apply || !diff) return outcome;
    const locks = statements.some((s) => s.Sid === READ_DENY_SID) ? (readDeny?.blockers ?? []) : [];
    if (locks.length > 0) throw new Error(`refusing to apply the policy, nothing was written: ${locks.join('; ')}`);
    const dir = f.backupDir ?? defaultBackupDir(process.env);
    const backup = await savePolicyBackup(dir, {
      bucket: f.bucket,
      savedAt: new Date().toISOString(),
      previous: before ?? null,
      applied: policy,
    }).catch((err: Error) => {
      throw new Error(`the policy it would replace could not be saved in ${dir} (${err.message}): nothing was written`);
    });
    await s3.send(new PutBucketPolicyCommand({ Bucket: f.bucket, Policy: JSON.stringify(policy) }));
    return { ...outcome, applied: true, backup };
  } finally {
    s3.destroy();
    kms.destroy();
  }
}

/**
 * `migrate policy --restore`: puts back the policy the latest --apply (or the backup --from names) replaced,
 * or removes the policy when there was none. Refuses when the policy was changed since that apply (someone
 * else's change would be lost) unless --force.
 */
async function restorePolicy(flags: PolicyFlags): Promise<PolicyOutcome> {
  const parsed = restoreSchema.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const f = parsed.data;
  const { file, backup } = await readPolicyBackup(f.backupDir ?? defaultBackupDir(process.env), f.bucket, f.from);
  const { s3, kms } = awsClientsFromEnv(process.env);
  try {
    await checkBucket(s3, f.bucket);
    const now = await currentPolicy(s3, f.bucket);
    if (!f.force && formatPolicy(now) !== formatPolicy(backup.applied)) {
      throw new Error(
        `the policy of bucket "${f.bucket}" was changed since ${file} was saved (${backup.savedAt}): restoring would ` +
          `undo that change; nothing was written (--force restores all the same)`,
      );
    }
    const previous = backup.previous ?? undefined;
    const diff = previous
      ? policyDiff(f.bucket, now, previous)
      : now
        ? `the policy of s3://${f.bucket} is deleted: it had none before\n`
        : '';
    if (previous) await s3.send(new PutBucketPolicyCommand({ Bucket: f.bucket, Policy: JSON.stringify(previous) }));
    else if (now) await s3.send(new DeleteBucketPolicyCommand({ Bucket: f.bucket }));
    return { bucket: f.bucket, refused: [], diff, policy: backup.previous, applied: diff !== '', backup: file };
  } finally {
    s3.destroy();
    kms.destroy();
  }
}

/** What the policy command says: the diff (or why nothing changes), what it did, and how to undo it. */
export function printPolicyOutcome(outcome: PolicyOutcome, flags: PolicyFlags & { json?: boolean }): void {
  for (const why of outcome.refused) console.error(why);
  const nothing = flags.restore
    ? `the policy of s3://${outcome.bucket} already is the saved one: nothing to restore`
    : `the policy of s3://${outcome.bucket} already has these statements: nothing to change`;
  if (!flags.json) console.log(outcome.diff || nothing);
  if (flags.restore && outcome.applied)
    console.error(`restored: the policy of s3://${outcome.bucket} is again the one saved in ${outcome.backup}`);
  else if (outcome.applied) {
    console.error(`applied: the policy of s3://${outcome.bucket} now holds these statements`);
    console.error(
      `the policy it replaced is saved in ${outcome.backup}; to put it back: npm run migrate -- policy --bucket ${outcome.bucket} --restore${flags.backupDir ? ` --backup-dir ${flags.backupDir}` : ''}`,
    );
  } else if (outcome.diff && !flags.restore) console.error('not applied: run again with --apply to write it');
  if (flags.json) console.log(JSON.stringify(outcome));
}
