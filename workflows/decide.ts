import { wholeObjectChecksumNeedsOneCopy } from '../common/checksums';
import { MAX_SINGLE_COPY_BYTES } from '../common/s3-limits';
import type { Decision } from './types';
import type { ObjectSnapshot } from '../activities/types';

export interface DecideOptions {
  keyArn: string;
  multipartThresholdBytes: number;
  /** S3 offers UpdateObjectEncryption here, and the object was not refused by it already. */
  update: boolean;
  /** The operator asked for S3 Bucket Keys: an object under the key without one is updated to use it. */
  bucketKeyEnabled: boolean;
  /** A noncurrent version: it can be updated in place, never copied (a copy would become the current version). */
  noncurrent?: boolean;
}

/** Sources UpdateObjectEncryption accepts: SSE-S3 and SSE-KMS (not unencrypted, DSSE-KMS or SSE-C). */
const UPDATABLE = new Set(['AES256', 'aws:kms']);

/** What to do with one object, from its HEAD alone. Pure: runs inside workflow code. */
export function decide(snapshot: ObjectSnapshot, options: DecideOptions): Decision {
  if (!snapshot.exists) {
    return { action: 'skip', reason: 'vanished', message: 'deleted after it was listed' };
  }
  if (snapshot.sseCustomerAlgorithm) {
    return {
      action: 'skip',
      reason: 'sse-c',
      message: 'encrypted with a customer-provided key (SSE-C); it cannot be re-encrypted without that key',
    };
  }
  if (snapshot.sse === 'aws:kms' && snapshot.kmsKeyArn === options.keyArn) {
    const wantsBucketKey = options.update && options.bucketKeyEnabled && !snapshot.bucketKeyEnabled;
    return wantsBucketKey ? { action: 'update' } : { action: 'ensure-tag' };
  }
  if (snapshot.sse === 'aws:kms:dsse') {
    return {
      action: 'skip',
      reason: 'dsse-kms',
      message: 'encrypted with dual-layer SSE-KMS; re-encrypting it to SSE-KMS would weaken it',
    };
  }
  // In place: no data moved, so archived objects and objects of any size are updated where they lie.
  if (options.update && snapshot.sse !== undefined && UPDATABLE.has(snapshot.sse)) return { action: 'update' };
  if (options.noncurrent) {
    return {
      action: 'skip',
      reason: 'noncurrent-not-updatable',
      message:
        'a noncurrent version UpdateObjectEncryption cannot re-encrypt (not encrypted, refused, or the operation is not available here); a copy would become the current version',
    };
  }
  if (snapshot.archived) {
    return {
      action: 'skip',
      reason: 'archived',
      message: `storage class ${snapshot.storageClass} is archived and not restored; restore it, then run again`,
    };
  }
  if (snapshot.annotated && snapshot.size > MAX_SINGLE_COPY_BYTES) {
    return {
      action: 'skip',
      reason: 'annotated-over-5gib',
      message:
        'has annotations and is over 5 GiB: only a multipart copy can re-encrypt it, and that would drop the annotations',
    };
  }
  return { action: 'copy', multipart: copiesInParts(snapshot, options.multipartThresholdBytes) };
}

/**
 * Above the threshold, in parts; but one CopyObject (up to 5 GiB) where only it keeps what the object has:
 * a whole-object SHA/MD5/XXHASH checksum, or annotations.
 */
function copiesInParts(snapshot: ObjectSnapshot & { exists: true }, thresholdBytes: number): boolean {
  if (snapshot.size <= thresholdBytes) return false;
  const oneCopyKeeps =
    snapshot.annotated || wholeObjectChecksumNeedsOneCopy(snapshot.checksumAlgorithm, snapshot.checksumType);
  return !(oneCopyKeeps && snapshot.size <= MAX_SINGLE_COPY_BYTES);
}
