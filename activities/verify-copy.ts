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
 * HEAD the object the copy created and check it is SSE-KMS under the key with the source's length.
 * 'replaced' means another writer replaced it after our copy: not ours to verify, decide again.
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
  if ((head.ContentLength ?? -1) !== copied.expectedSize) {
    problems.push(`length is ${head.ContentLength} instead of ${copied.expectedSize}`);
  }
  if (problems.length) {
    throw ApplicationFailure.create({
      type: VERIFICATION_FAILED,
      nonRetryable: true,
      message: `copy of ${copied.key} did not verify: ${problems.join('; ')}`,
    });
  }
  return 'ok';
}
