import {
  ChecksumAlgorithm,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { forEachConcurrently } from '../common/concurrently';
import type { ObjectLock, ObjectSnapshot } from '../common/contract';
import { errorCode, httpStatus, isNotFound, rethrowForTemporal } from './s3-errors';

export const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);
export const ARCHIVE_TIERS = new Set(['ARCHIVE_ACCESS', 'DEEP_ARCHIVE_ACCESS']);
/** Each algorithm the SDK knows with the HEAD header that carries it (ChecksumCRC32, … ChecksumXXHASH128). */
const CHECKSUM_FIELDS = Object.values(ChecksumAlgorithm).map(
  (algorithm) => [`Checksum${algorithm}`, algorithm] as const,
);

function isArchived(head: HeadObjectCommandOutput, storageClass: string): boolean {
  const restored = head.Restore?.includes('ongoing-request="false"') ?? false;
  const inArchive = ARCHIVE_CLASSES.has(storageClass) || ARCHIVE_TIERS.has(head.ArchiveStatus ?? '');
  return inArchive && !restored;
}

function lockOf(head: HeadObjectCommandOutput): ObjectLock | undefined {
  const lock: ObjectLock = {
    mode: head.ObjectLockMode as ObjectLock['mode'],
    retainUntil: head.ObjectLockRetainUntilDate?.toISOString(),
    legalHold: head.ObjectLockLegalHoldStatus as ObjectLock['legalHold'],
  };
  return lock.mode || lock.legalHold === 'ON' ? lock : undefined;
}

export function snapshotFromHead(key: string, head: HeadObjectCommandOutput): ObjectSnapshot {
  const storageClass = head.StorageClass ?? 'STANDARD'; // S3 omits the header for STANDARD
  return {
    exists: true,
    key,
    versionId: head.VersionId,
    size: head.ContentLength ?? 0,
    etag: head.ETag ?? '',
    storageClass,
    sse: head.ServerSideEncryption,
    kmsKeyArn: head.SSEKMSKeyId,
    bucketKeyEnabled: head.BucketKeyEnabled,
    sseCustomerAlgorithm: head.SSECustomerAlgorithm,
    archived: isArchived(head, storageClass),
    tagCount: head.TagCount,
    checksumAlgorithm: CHECKSUM_FIELDS.find(([field]) => head[field as keyof HeadObjectCommandOutput])?.[1],
    checksumType: head.ChecksumType,
    websiteRedirectLocation: head.WebsiteRedirectLocation,
    lock: lockOf(head),
  };
}

/**
 * HEAD one object: everything the decision and the copy need, never its data nor its user metadata. Without ChecksumMode: on an
 * object under KMS that would cost a kms:Decrypt outside the budget (the listing names the algorithm).
 */
export async function inspectObject(
  s3: S3Client,
  input: { bucket: string; key: string; versionId?: string },
): Promise<ObjectSnapshot> {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: input.bucket, Key: input.key, VersionId: input.versionId }),
    );
    // The version asked for is the one seen, whether or not S3 names it (for a `null` version it may not):
    // every later step on this object must act on that version, never on whatever is current.
    return snapshotFromHead(input.key, { ...head, VersionId: input.versionId ?? head.VersionId });
  } catch (err) {
    if (isNotFound(err)) return { exists: false, key: input.key };
    if (httpStatus(err) === 400 && (await storedWithCustomerKey(s3, input))) {
      return {
        exists: true,
        key: input.key,
        size: 0,
        etag: '',
        storageClass: 'UNKNOWN',
        sseCustomerAlgorithm: 'unknown (stored with a customer-provided key, as S3 said)',
        archived: false,
      };
    }
    rethrowForTemporal(err, `HEAD ${input.key}`);
  }
}

/**
 * S3 answers a HEAD of an SSE-C object without its key with a bare 400 — as it answers an expired or invalid
 * token, or a malformed authorization header: a HEAD has no body to say which. A GET of its first byte does:
 * `InvalidRequest`, "The object was stored using a form of Server Side Encryption...". True only then;
 * any other error is thrown as S3 gave it (the object fails with that code), and a GET that succeeds means the
 * 400 was not SSE-C (thrown, named).
 */
async function storedWithCustomerKey(
  s3: S3Client,
  input: { bucket: string; key: string; versionId?: string },
): Promise<boolean> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: input.bucket, Key: input.key, VersionId: input.versionId, Range: 'bytes=0-0' }),
    );
    (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
  } catch (err) {
    if (errorCode(err) === 'InvalidRequest' && SSE_C_REFUSAL.test((err as Error).message ?? '')) return true;
    rethrowForTemporal(err, `GET of the first byte of ${input.key} (its HEAD answered 400)`);
  }
  throw ApplicationFailure.create({
    type: 'BadRequest',
    nonRetryable: true,
    message:
      `HEAD ${input.key} answered 400, yet the object reads without a customer key: not SSE-C; its HEAD is ` +
      `refused for a reason S3 did not give`,
  });
}

/** S3's message for a read of an SSE-C object without the customer key. */
const SSE_C_REFUSAL = /stored using a form of Server Side Encryption/i;

/** HEADs made at once inside one inspectObjects activity. */
const HEADS_IN_PARALLEL = 32;
/**
 * Bytes of snapshots one inspectObjects result holds at most: far below Temporal's 2 MiB payload limit, which
 * a batch of objects with 1 KiB keys and website redirects of up to 2 KiB could otherwise approach.
 */
export const INSPECT_RESULT_BYTES = 1024 * 1024;

/**
 * HEAD a batch of objects in one activity: the first look at each object of a page, at a fraction of the
 * orchestration cost of an activity per object. An object whose HEAD fails for any reason comes back as null,
 * and so does every object after the result's first INSPECT_RESULT_BYTES; the page then inspects it with
 * inspectObject, which classifies and retries the error as usual.
 */
export async function inspectObjects(
  s3: S3Client,
  input: { bucket: string; keys: string[]; versionIds?: (string | undefined)[] },
): Promise<(ObjectSnapshot | null)[]> {
  const snapshots: (ObjectSnapshot | null)[] = new Array(input.keys.length).fill(null);
  await forEachConcurrently(
    input.keys.map((key, i) => ({ key, i })),
    HEADS_IN_PARALLEL,
    async ({ key, i }) => {
      try {
        snapshots[i] = await inspectObject(s3, { bucket: input.bucket, key, versionId: input.versionIds?.[i] });
      } catch {
        snapshots[i] = null;
      }
    },
  );
  return withinBytes(snapshots, INSPECT_RESULT_BYTES);
}

/** The snapshots, in order, as long as they fit in `limit` bytes of JSON; null from the first that does not. */
export function withinBytes(snapshots: (ObjectSnapshot | null)[], limit: number): (ObjectSnapshot | null)[] {
  let bytes = 0;
  return snapshots.map((snapshot) => {
    bytes += JSON.stringify(snapshot).length + 1;
    return bytes <= limit ? snapshot : null;
  });
}
