import { wholeObjectChecksumNeedsOneCopy } from './checksums';
import { MAX_SINGLE_COPY_BYTES } from './s3-limits';
import type { SkipReason } from './types';
import type { ObjectSnapshot } from './contract';

/** What becomes of one object (or version). */
export type Decision =
  | { action: 'skip'; reason: SkipReason; message: string }
  | { action: 'ensure-tag' }
  | { action: 'update' }
  | { action: 'copy'; multipart: boolean };

export interface DecideOptions {
  keyArn: string;
  multipartThresholdBytes: number;
  /** S3 offers UpdateObjectEncryption here, and the object was not refused by it already. */
  update: boolean;
  /** The operator asked for S3 Bucket Keys: an object under the key without one is updated to use it. */
  bucketKeyEnabled: boolean;
  /** A noncurrent version: it can be updated in place, never copied (a copy would become the current version). */
  noncurrent?: boolean;
  /** --copy-locked: copy objects under Object Lock, which keeps their data twice until the lock ends. */
  copyLocked?: boolean;
  /** Epoch ms (workflow time in workflows): a retention whose date has passed protects nothing. */
  now: number;
}

/** Why S3 refuses to update or delete the object now: a legal hold, or a retention not yet over. */
export function lockedBy(snapshot: ObjectSnapshot, now: number): string | undefined {
  if (!snapshot.exists || !snapshot.lock) return undefined;
  const { mode, retainUntil, legalHold } = snapshot.lock;
  const retained = mode !== undefined && retainUntil !== undefined && Date.parse(retainUntil) > now;
  const reasons = [
    retained ? `${mode} retention until ${retainUntil}` : '',
    legalHold === 'ON' ? 'a legal hold' : '',
  ].filter(Boolean);
  return reasons.length ? reasons.join(' and ') : undefined;
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
    const wantsBucketKey =
      options.update && options.bucketKeyEnabled && !snapshot.bucketKeyEnabled && !lockedBy(snapshot, options.now);
    return wantsBucketKey ? { action: 'update' } : { action: 'ensure-tag' };
  }
  if (snapshot.sse === 'aws:kms:dsse') {
    return {
      action: 'skip',
      reason: 'dsse-kms',
      message: 'encrypted with dual-layer SSE-KMS; re-encrypting it to SSE-KMS would weaken it',
    };
  }
  // S3 refuses to update a locked object, and a copy would keep its data twice, the old version undeletable
  // until the lock ends: only where the operator asked for that, and never for a noncurrent version.
  const locked = lockedBy(snapshot, options.now);
  if (locked && (!options.copyLocked || options.noncurrent)) {
    return {
      action: 'skip',
      reason: 'object-lock',
      message:
        `under Object Lock (${locked}): S3 refuses to re-encrypt it in place, and a copy would store its ` +
        `data twice until the lock ends${options.noncurrent ? '' : ' (--copy-locked copies it)'}`,
    };
  }
  // In place: no data moved, so archived objects and objects of any size are updated where they lie.
  if (!locked && options.update && snapshot.sse !== undefined && UPDATABLE.has(snapshot.sse))
    return { action: 'update' };
  if (options.noncurrent) {
    return {
      action: 'skip',
      reason: 'noncurrent-not-updatable',
      message:
        'a noncurrent version UpdateObjectEncryption cannot re-encrypt (not encrypted, refused, or the operation is ' +
        'not available here); a copy would become the current version',
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
        'has annotations and is over 5 GiB: only a multipart copy can re-encrypt it, and that would drop the ' +
        'annotations',
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
