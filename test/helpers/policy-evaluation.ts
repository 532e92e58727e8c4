// Whether a bucket policy explicitly denies a request, written from AWS's documented semantics (IAM User
// Guide: "Policy evaluation logic", "Condition operators", "...IfExists", "Null"; S3 User Guide: the actions
// and condition keys of each request). The local stack stores bucket policies without enforcing them, so the
// statements `migrate policy` proposes are evaluated here. Only what those statements use is modelled.
import type { BucketPolicy, PolicyStatement } from '../../client/bucket-policy';

export interface PolicyRequest {
  principalArn: string;
  /** As S3 authorizes it: a GET naming a version is s3:GetObjectVersion, one without is s3:GetObject. */
  action: string;
  /** arn:aws:s3:::bucket/key */
  resource: string;
  /** Condition keys present in the request context; a key not here is absent. */
  context: Record<string, string>;
}

/** IAM wildcards: `*` any run of characters, `?` one character; case-sensitive for resources and values. */
function like(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    ignoreCase ? 'i' : '',
  );
  return re.test(value);
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function principalMatches(principal: unknown, arn: string): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: string | string[] } | undefined)?.AWS;
  return list(aws).some((p) => p === '*' || p === arn);
}

/**
 * One operator on one key. A key absent from the context: ...IfExists is true; Null tests presence; a
 * negated operator (StringNotEquals, ArnNotEquals, ...) is true; any other is false.
 */
function operatorHolds(operator: string, key: string, values: string[], context: Record<string, string>): boolean {
  const value = context[key];
  if (operator === 'Null') return values.every((v) => (v === 'true') === (value === undefined));
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const negated = base.includes('Not');
  if (value === undefined) return ifExists || negated;
  const matchers: Record<string, (pattern: string) => boolean> = {
    StringEquals: (p) => p === value,
    StringNotEquals: (p) => p === value,
    StringLike: (p) => like(p, value),
    StringNotLike: (p) => like(p, value),
    ArnEquals: (p) => like(p, value),
    ArnNotEquals: (p) => like(p, value),
    ArnLike: (p) => like(p, value),
    ArnNotLike: (p) => like(p, value),
  };
  const match = matchers[base];
  if (!match) throw new Error(`condition operator ${operator} is not modelled`);
  const any = values.some(match);
  return negated ? !any : any;
}

/** Every operator, and every key within it, must hold (AND); the values of one key are alternatives (OR). */
function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => operatorHolds(operator, key, list(values), context)),
  );
}

function statementApplies(s: PolicyStatement, req: PolicyRequest): boolean {
  if (s.NotAction || s.NotResource || s.NotPrincipal) throw new Error('Not* elements are not modelled');
  return (
    principalMatches(s.Principal, req.principalArn) &&
    list(s.Action as string | string[]).some((a) => like(a, req.action, true)) &&
    list(s.Resource as string | string[]).some((r) => like(r, req.resource)) &&
    conditionHolds(s.Condition, { 'aws:PrincipalArn': req.principalArn, ...req.context }) // a global key, always present
  );
}

/** An explicit Deny in the policy applies to the request: then nothing else can allow it. */
export function explicitlyDenied(policy: BucketPolicy, req: PolicyRequest): boolean {
  return policy.Statement.some((s) => s.Effect === 'Deny' && statementApplies(s, req));
}
