import { createTwoFilesPatch } from 'diff';

/** Statements this tool writes carry Sids with this prefix, so a later run replaces them and nothing else. */
export const SID_PREFIX = 'S3KmsMigrator';
export const READ_DENY_SID = `${SID_PREFIX}DenyReadsOfUnmarkedVersions`;

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
  /**
   * Versioned buckets: the prefixes whose migration under the key completed and left older versions that are
   * not under it (client/migrated-prefixes.ts), where the read-deny applies; with why for any other prefix.
   */
  readDeny?: { prefixes: string[]; notes: string[] };
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
      `--worker-principal ${arn} is a role session; aws:PrincipalArn names the role itself: give ` +
        `arn:aws:iam::${session[1]}:role/${session[2]} (with its path, if it has one)`,
    );
  }
  if (!PRINCIPAL_ARN.test(arn)) {
    throw new Error(
      `--worker-principal must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/s3-kms-migrator, ` +
        `not "${arn}"`,
    );
  }
  return arn;
}

/**
 * Deny an upload that names an encryption other than the key: SSE-S3, another KMS key, KMS without a key (S3
 * then uses aws/s3), or a customer-provided key. An upload that names none is not denied: it gets the bucket's
 * default encryption (`--set-default-encryption` makes that the key), so applications that rely on the
 * default keep working. (A negated condition on a key the request lacks is true, hence the Null tests: AWS IAM
 * User Guide, "Condition operators".) The worker's copies name the key, so they pass.
 */
function uploadStatements(req: PolicyRequest, objects: string): PolicyStatement[] {
  return [
    {
      Sid: `${SID_PREFIX}DenyUploadsUnderOtherKeys`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: {
        Null: { 's3:x-amz-server-side-encryption': 'false' },
        StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': req.keyArn },
      },
    },
    {
      Sid: `${SID_PREFIX}DenyUploadsWithCustomerKeys`,
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    },
  ];
}

/**
 * AWS's walkthrough keeps the older versions that are not under the key unreadable. Only reads that name a
 * version are denied (s3:GetObjectVersion): a read of the current object (s3:GetObject, as CloudFront, Athena
 * and applications read) never is, so new uploads, which carry no marker, stay readable. Only under prefixes
 * whose migration completed; the worker, which HEADs versions it has not migrated yet, is exempted.
 */
function readStatement(req: PolicyRequest, partition: string): PolicyStatement | string {
  const prefixes = req.readDeny?.prefixes ?? [];
  if (prefixes.length === 0)
    return (
      `not proposed: the read-deny of unmarked versions is needed ` +
      `nowhere${req.readDeny?.notes.length ? '' : ' yet'}`
    );
  if (req.workerPrincipal === undefined) {
    return (
      `not proposed: denying reads of versions without ${req.tagKey}=${req.tagValue} would deny the worker its ` +
      'reads of the versions it has not migrated yet (s3:GetObjectVersion, which HEAD of a version needs): give ' +
      "the worker's role ARN with --worker-principal to exempt it"
    );
  }
  const resources = prefixes.map((prefix) => `arn:${partition}:s3:::${req.bucket}/${prefix}*`);
  return {
    Sid: READ_DENY_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:GetObjectVersion',
    Resource: resources.length === 1 ? resources[0] : resources,
    Condition: {
      StringNotEquals: { [`s3:ExistingObjectTag/${req.tagKey}`]: req.tagValue },
      ArnNotEquals: { 'aws:PrincipalArn': req.workerPrincipal },
    },
  };
}

/** The statements to merge into the bucket's policy, and why any was left out. */
export function migrationStatements(req: PolicyRequest): ProposedStatements {
  const partition = req.keyArn.split(':')[1] ?? 'aws';
  const statements = uploadStatements(req, `arn:${partition}:s3:::${req.bucket}/*`);
  const refused: string[] = [];
  if (req.versioned) {
    refused.push(...(req.readDeny?.notes ?? []));
    const read = readStatement(req, partition);
    if (typeof read === 'string') refused.push(read);
    else statements.push(read);
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
  return createTwoFilesPatch(
    `s3://${bucket} policy (now)`,
    `s3://${bucket} policy (proposed)`,
    a,
    b,
    undefined,
    undefined,
    { context: 3 },
  );
}
