import { GetBucketPolicyCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PolicyCheck } from '../common/types';
import { errorCode, httpStatus, isRetryable } from './s3-errors';

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const KEY_CONDITION = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/** A Deny of s3:PutObject unless the upload names this key: `migrate policy`'s, or one written by hand. */
function deniesOtherKeys(s: Statement, keyArn: string): boolean {
  const actions = [s.Action ?? []].flat();
  if (s.Effect !== 'Deny' || !actions.some((a) => a === 's3:PutObject' || a === 's3:*' || a === '*')) return false;
  return Object.entries(s.Condition ?? {}).some(
    ([operator, keys]) => operator.startsWith('StringNotEquals') && [keys[KEY_CONDITION] ?? []].flat().includes(keyArn),
  );
}

/**
 * Whether the bucket policy keeps uploads under other keys out: the last of what makes a bucket finished
 * (with every object under the key and the default encryption set to it). Read at the end of a migration.
 */
export async function bucketPolicyCheck(s3: S3Client, input: { bucket: string; keyArn: string }): Promise<PolicyCheck> {
  let policy: { Statement?: Statement | Statement[] };
  try {
    const out = await s3.send(new GetBucketPolicyCommand({ Bucket: input.bucket }));
    policy = JSON.parse(out.Policy ?? '{}');
  } catch (err) {
    if (errorCode(err) === 'NoSuchBucketPolicy') return { inPlace: false, detail: 'no bucket policy' };
    if (isRetryable(err)) throw err;
    return { detail: `unknown: ${httpStatus(err) === 403 ? 'access denied (s3:GetBucketPolicy)' : errorCode(err)}` };
  }
  const inPlace = [policy.Statement ?? []].flat().some((s) => deniesOtherKeys(s, input.keyArn));
  return inPlace
    ? { inPlace, detail: 'uploads under other keys are denied' }
    : { inPlace, detail: 'nothing denies uploads under other keys' };
}
