import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { isChangedMeanwhile, isNotFound } from './s3-errors';

export const VERIFICATION_FAILED = 'VerificationFailed';

export interface CopiedObject {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
  expectedSize: number;
  keyArn: string;
}

/**
 * HEAD the object the copy created and check it is SSE-KMS under the key. 'replaced' means another writer
 * got in: it replaced the object after our copy, or before it on an endpoint that ignores the copy's
 * conditions (the copy then carried the newer object: its length is not the one inspected). Either way, not
 * ours to fail: decide again. A copy under the wrong encryption or key is a failure.
 */
export async function verifyCopy(s3: S3Client, copied: CopiedObject): Promise<'ok' | 'replaced'> {
  // "null" is the version ID of unversioned and suspended buckets: check by ETag there.
  const versionId = copied.versionId && copied.versionId !== 'null' ? copied.versionId : undefined;
  let head;
  try {
    head = await s3.send(
      new HeadObjectCommand({
        Bucket: copied.bucket,
        Key: copied.key,
        VersionId: versionId,
        IfMatch: versionId ? undefined : copied.etag,
      }),
    );
  } catch (err) {
    if (isNotFound(err) || isChangedMeanwhile(err)) return 'replaced';
    throw err;
  }
  const problems: string[] = [];
  if (head.ServerSideEncryption !== 'aws:kms') problems.push(`encryption is ${head.ServerSideEncryption ?? 'none'}`);
  if (head.SSEKMSKeyId !== copied.keyArn) problems.push(`KMS key is ${head.SSEKMSKeyId ?? 'none'}`);
  if (problems.length) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      nonRetryable: true,
      message: `copy of ${copied.key} did not verify: ${problems.join('; ')}`,
    });
  }
  return (head.ContentLength ?? -1) === copied.expectedSize ? 'ok' : 'replaced';
}
