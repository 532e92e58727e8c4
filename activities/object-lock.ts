import type { ObjectLock } from '../common/contract';

/** The Object Lock headers CopyObject and CreateMultipartUpload take. */
export interface LockHeaders {
  ObjectLockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: 'ON';
}

/**
 * The lock of the version a copy replaces, for the version the copy writes: the same retention mode and date
 * (while the date is ahead: S3 takes none in the past, and an expired retention protects nothing) and the
 * legal hold. The replaced version keeps its own lock: S3 does not let it be changed or deleted before then.
 */
export function lockHeaders(lock: ObjectLock | undefined, now = Date.now()): LockHeaders {
  if (!lock) return {};
  const headers: LockHeaders = {};
  const until = lock.retainUntil ? new Date(lock.retainUntil) : undefined;
  if (lock.mode && until && until.getTime() > now) {
    headers.ObjectLockMode = lock.mode;
    headers.ObjectLockRetainUntilDate = until;
  }
  if (lock.legalHold === 'ON') headers.ObjectLockLegalHoldStatus = 'ON';
  return headers;
}
