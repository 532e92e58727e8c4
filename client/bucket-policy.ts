import { createTwoFilesPatch } from 'diff';

/** Statements this tool writes carry Sids with this prefix, so a later run replaces them and nothing else. */
export const SID_PREFIX = 'S3KmsMigrator';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  [other: string]: unknown;
}

export interface BucketPolicy {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
}

export interface PolicyRequest {
  bucket: string;
  keyArn: string;
  versioned: boolean;
  tagKey: string;
  tagValue: string;
  /** The worker's IAM role (or user) ARN, exempted from the read-deny; without it that statement is refused. */
  workerPrincipal?: string;
}

export interface ProposedStatements {
  statements: PolicyStatement[];
  /** Statements left out, each with why. */
  refused: string[];
}

const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)\/[\w+=,.@\/-]+$/;
const SESSION_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/[^/]+$/;

/** The worker's principal as aws:PrincipalArn names it, or an error that says what to give instead. */
export function checkWorkerPrincipal(arn: string): string {
  const session = SESSION_ARN.exec(arn);
  if (session) {
    throw new Error(
      `--worker-principal ${arn} is a role session; aws:PrincipalArn names the role itself: give arn:aws:iam::${session[1]}:role/${session[2]} (with its path, if it has one)`,
    );
  }
  if (!PRINCIPAL_ARN.test(arn)) {
    throw new Error(`--worker-principal must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/s3-kms-migrator, not "${arn}"`);
  }
  return arn;
}

/**
 * The statements of AWS's two walkthroughs: no upload under SSE-S3 or another key (the worker's copies name
 * the key, so they pass), and, for versioned buckets, no read of an object version without the marker, which
 * keeps the older, unencrypted versions unreadable. That one would also deny the worker the reads it makes
 * before an object carries the marker, so it is proposed only with the worker exempted by its principal.
 */
export function migrationStatements(req: PolicyRequest): ProposedStatements {
  const partition = req.keyArn.split(':')[1] ?? 'aws';
  const objects = `arn:${partition}:s3:::${req.bucket}/*`;
  const statements: PolicyStatement[] = [
    {
      Sid: `${SID_PREFIX}DenyUploadsWithoutKms`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    },
    {
      Sid: `${SID_PREFIX}DenyUploadsUnderOtherKeys`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': req.keyArn } },
    },
  ];
  const refused: string[] = [];
  if (req.versioned && req.workerPrincipal === undefined) {
    refused.push(
      `not proposed: denying reads of object versions without ${req.tagKey}=${req.tagValue} would deny the worker its ` +
        'reads of the objects it has not migrated yet (s3:GetObject, which HEAD needs): give the worker\'s role ARN with --worker-principal to exempt it',
    );
  } else if (req.versioned) {
    statements.push({
      Sid: `${SID_PREFIX}DenyReadsOfUnmarkedVersions`,
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: objects,
      Condition: {
        StringNotEquals: { [`s3:ExistingObjectTag/${req.tagKey}`]: req.tagValue },
        ArnNotEquals: { 'aws:PrincipalArn': req.workerPrincipal! },
      },
    });
  }
  return { statements, refused };
}

/** The bucket's policy with this tool's earlier statements replaced by `statements`; every other one kept as it was. */
export function mergePolicy(existing: BucketPolicy | undefined, statements: PolicyStatement[]): BucketPolicy {
  const base: BucketPolicy = existing ?? { Version: '2012-10-17', Statement: [] };
  const others = [base.Statement].flat().filter((s) => !s.Sid?.startsWith(SID_PREFIX));
  return { ...base, Statement: [...others, ...statements] };
}

export function formatPolicy(policy: BucketPolicy | undefined): string {
  return policy ? `${JSON.stringify(policy, null, 2)}\n` : '';
}

/** A unified diff from the bucket's policy now to the proposed one; empty when they are the same. */
export function policyDiff(bucket: string, before: BucketPolicy | undefined, after: BucketPolicy): string {
  const [a, b] = [formatPolicy(before), formatPolicy(after)];
  if (a === b) return '';
  return createTwoFilesPatch(`s3://${bucket} policy (now)`, `s3://${bucket} policy (proposed)`, a, b, undefined, undefined, { context: 3 });
}
