import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CopyInput, CopyObjectsInput, CopyResult, FailedOutcome } from '../common/contract';
import { runBatch, step } from './batch';
import { encodeCopySource } from './copy-source';
import { grantsOf } from './object-acl';
import { copyWouldReplaceNullVersion } from './null-version';
import { lockHeaders } from './object-lock';
import { copiedByEarlierAttempt } from './earlier-attempt';
import { tagsForCopy } from './marker-tag';
import { verifyCopy } from './verify-copy';
import { isChangedMeanwhile, isNotFound, rethrowForTemporal } from './s3-errors';

/**
 * Re-encrypt one object with a single CopyObject over itself. Metadata is copied by S3 (directive COPY);
 * storage class, tags, checksum algorithm, the key, the website redirect (which S3 does not copy with a
 * metadata directive), the Object Lock retention and legal hold, and, where ACLs are in force, the object's
 * grants are set explicitly. Both conditions carry the ETag
 * seen by HEAD, so neither an overwritten source nor a newer destination is ever replaced by old bytes.
 * Errors other than "changed meanwhile" and "not found" are thrown as S3 gave them.
 */
export async function copyInPlace(s3: S3Client, input: CopyInput): Promise<CopyResult> {
  const { source } = input;
  try {
    if (await copyWouldReplaceNullVersion(s3, input)) return { status: 'null-version-kept' };
    // Read together: the copy's KMS requests should follow its task's dispatch by as little as they can (the
    // budget's 5-second windows allow for a spread of DISPATCH_JITTER_SECONDS, common/kms-budget.ts).
    const grantsRead = input.carryAcl ? grantsOf(s3, input.bucket, source.key, source.versionId) : Promise.resolve({});
    grantsRead.catch(() => undefined); // awaited below unless the tags already decided
    const tags = await tagsForCopy(s3, input);
    const grants = await grantsRead;
    const out = await s3.send(
      new CopyObjectCommand({
        Bucket: input.bucket,
        Key: source.key,
        CopySource: encodeCopySource(input.bucket, source.key),
        CopySourceIfMatch: source.etag,
        IfMatch: source.etag,
        MetadataDirective: 'COPY',
        AnnotationDirective: 'COPY', // S3's default, said aloud: annotations are kept only by a copy in one request
        WebsiteRedirectLocation: source.websiteRedirectLocation,
        ...grants,
        ...lockHeaders(source.lock),
        TaggingDirective: 'REPLACE',
        Tagging: tags.tagging,
        StorageClass: source.storageClass as never,
        ChecksumAlgorithm: source.checksumAlgorithm,
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: input.keyArn,
        BucketKeyEnabled: input.bucketKeyEnabled,
      }),
    );
    const verified = await verifyCopy(s3, {
      bucket: input.bucket,
      key: source.key,
      versionId: out.VersionId,
      etag: out.CopyObjectResult?.ETag,
      expectedSize: source.size,
      keyArn: input.keyArn,
    });
    if (verified === 'replaced') return { status: 'changed' };
    const copied = { status: 'copied' as const, versionId: out.VersionId, bytes: source.size };
    return tags.unmarked === undefined ? copied : { ...copied, unmarked: tags.unmarked };
  } catch (err) {
    if (isChangedMeanwhile(err)) {
      return (await copiedByEarlierAttempt(s3, input))
        ? { status: 'copied', bytes: source.size }
        : { status: 'changed' };
    }
    if (isNotFound(err)) return { status: 'vanished' };
    throw err;
  }
}

/** The single-copy activity: one object, its errors typed for Temporal's retries. */
export async function copyObject(s3: S3Client, input: CopyInput): Promise<CopyResult> {
  try {
    return await copyInPlace(s3, input);
  } catch (err) {
    rethrowForTemporal(err, `copy ${input.source.key}`);
  }
}

/** Single copies of many objects in one activity (activities/batch.ts), each with its outcome. */
export function copyObjects(
  s3: S3Client,
  input: CopyObjectsInput,
  kmsRequests?: number,
): Promise<(CopyResult | FailedOutcome | null)[]> {
  const costs = new Map(input.copies.map((copy, i) => [copy, input.kmsCosts[i]]));
  const allowance =
    kmsRequests === undefined ? undefined : { kmsRequests, cost: (copy: CopyInput) => costs.get(copy)! };
  return runBatch(
    input.copies,
    (copy) => copy.source.key,
    (copy) => step('copy', () => copyInPlace(s3, copy)),
    allowance,
  );
}
