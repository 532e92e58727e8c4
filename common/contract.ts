// What the activities take and return: the contract between the workflows and the activities.
// Types only (erased from the workflow bundle).
import type { ChecksumAlgorithm, ChecksumType } from '@aws-sdk/client-s3';
import type { SkipReason } from './types';

export interface PreflightResult {
  keyArn: string;
  region: string;
  versioning: 'Enabled' | 'Suspended' | 'Disabled';
  /** Whether objects are re-encrypted in place (UpdateObjectEncryption) or copied. */
  update: UpdateAvailability;
  /**
   * Whether object ACLs are in force (Object Ownership other than BucketOwnerEnforced), so that a copy must
   * carry each object's grants.
   */
  acls: boolean;
  /** The account that owns the bucket, and the report bucket: every request to them expects it. */
  owner?: string;
  reportOwner?: string;
}

export type UpdateAvailability = { available: true } | { available: false; reason: string };

/** Listing position: everything up to and including this key (and version) has been handed out. */
export interface Cursor {
  key?: string;
  versionId?: string;
  /** An inventory's (--inventory): the data file and the row in it to read next. */
  file?: number;
  row?: number;
}

export interface ListedObject {
  key: string;
  /** Set for a noncurrent version (listed with --all-versions); a current object is addressed by its key. */
  versionId?: string;
  size: number;
  etag: string;
  storageClass?: string;
  /**
   * From the listing, where it costs nothing: a HEAD that asks for checksums (ChecksumMode) of an object under
   * KMS makes S3 call kms:Decrypt, a KMS request outside the budget.
   */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** FULL_OBJECT or COMPOSITE (a checksum of the parts' checksums), also from the listing. */
  checksumType?: ChecksumType;
  /**
   * Skipped as its inventory row says, without a HEAD: a version the row names whose encryption only its own
   * customer key (SSE-C) or a weakening (DSSE-KMS) could change.
   */
  skippedByInventory?: { reason: SkipReason; message: string };
  /**
   * An SSE-S3 object as its inventory row shows it, where a change it no longer fits is caught after the fact
   * (a bucket without versions, whose marker is confirmed by ETag; or the row's own version): if the row says
   * it is to be updated, it is, without a HEAD first (workflows/page/page-run.ts).
   */
  rowLook?: ObjectSnapshot;
}

export interface ListPageInput {
  bucket: string;
  prefix: string;
  versioned: boolean;
  /** List noncurrent versions as objects to migrate too (otherwise they are only counted). */
  allVersions?: boolean;
  after: Cursor;
  maxKeys: number;
}

export interface ListPageResult {
  objects: ListedObject[];
  /** Delete markers, and noncurrent versions unless listed as objects, seen on this page (left untouched). */
  olderVersions: number;
  next: Cursor;
  done: boolean;
}

/** Every algorithm the SDK lists (CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH3/64/128). */
export type { ChecksumAlgorithm, ChecksumType };

export type ObjectSnapshot =
  | { exists: false; key: string }
  | {
      exists: true;
      key: string;
      versionId?: string;
      size: number;
      etag: string;
      storageClass: string;
      /** x-amz-server-side-encryption: AES256, aws:kms, aws:kms:dsse, or absent. */
      sse?: string;
      kmsKeyArn?: string;
      /** The object was encrypted with an S3 Bucket Key: reading it costs about no KMS requests. */
      bucketKeyEnabled?: boolean;
      sseCustomerAlgorithm?: string;
      /** GLACIER / DEEP_ARCHIVE not restored, or an Intelligent-Tiering archive tier. */
      archived: boolean;
      /** x-amz-tagging-count; undefined when the endpoint does not say (then the tags are read). */
      tagCount?: number;
      checksumAlgorithm?: ChecksumAlgorithm;
      checksumType?: ChecksumType;
      /**
       * x-amz-website-redirect-location, which a CopyObject with MetadataDirective=COPY does not keep. Nothing
       * else of the object's headers or user metadata is kept here: a snapshot goes into the workflow's history,
       * and the one step that must set them (a multipart copy's CreateMultipartUpload) reads them itself.
       */
      websiteRedirectLocation?: string;
      /** Object Lock on this version (HEAD shows it to a caller with s3:GetObjectRetention / GetObjectLegalHold). */
      lock?: ObjectLock;
      /** Known to carry annotations (a multipart copy found some): only one CopyObject keeps them. */
      annotated?: boolean;
    };

export interface ObjectLock {
  mode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** ISO 8601. */
  retainUntil?: string;
  legalHold?: 'ON' | 'OFF';
}

/** One object of an updateObjects batch: re-encrypt it in place (update) or only make sure of the marker tag. */
export interface BatchItem {
  key: string;
  versionId?: string;
  tagCount?: number;
  update: boolean;
  /** The ETag HEAD saw: where there is no version to tag, the marker stands only if the object still has it. */
  etag?: string;
  /** KMS requests its update costs (common/kms-budget.ts): none when it is only tagged. */
  kmsCost: number;
  /**
   * Seen only in an inventory row, never HEADed: its tags are read before the update, and a marker already
   * there (a run since the inventory migrated it) makes it 'changed', to be looked at again, not updated again.
   */
  fromRow?: boolean;
}

export interface UpdateObjectsInput {
  bucket: string;
  keyArn: string;
  bucketKeyEnabled: boolean;
  tagKey: string;
  tagValue: string;
  items: BatchItem[];
}

/**
 * What became of one object of a batch. 'refused': S3 would not update it (an InvalidRequest or AccessDenied
 * the operation documents): the page copies it instead. 'failed': a permanent error for that object.
 */
export type BatchOutcome =
  | { status: 'updated' | 'tagged' | 'already-tagged' | 'vanished' | 'changed' }
  | { status: 'too-many-tags'; tagCount: number }
  | { status: 'refused'; code: string; message: string }
  | FailedOutcome;

/** A permanent error of one object of a batch, with the S3 error code. */
export interface FailedOutcome {
  status: 'failed';
  code: string;
  message: string;
}

export interface CopyInput {
  bucket: string;
  keyArn: string;
  bucketKeyEnabled: boolean;
  partSizeBytes: number;
  tagKey: string;
  tagValue: string;
  source: Extract<ObjectSnapshot, { exists: true }>;
  /** Give the copy the grants of the object it replaces (ACLs in force in the bucket). */
  carryAcl?: boolean;
  /** The bucket's versioning is suspended: a copy writes the key's `null` version, replacing any older one. */
  versioningSuspended?: boolean;
}

/** `unmarked`: copied without the marker, because the object has 10 tags already (that many). */
export type CopyResult =
  | { status: 'copied'; versionId?: string; bytes: number; unmarked?: number }
  | { status: 'changed' }
  | { status: 'vanished' }
  | NullVersionKept
  | Annotated;

/** Not copied: in a version-suspended bucket the copy would replace the key's older `null` version. */
export type NullVersionKept = { status: 'null-version-kept' };

/** Not copied in parts: the object has annotations, which UploadPartCopy does not carry. */
export type Annotated = { status: 'annotated' };

/** Single copies in one activity (objects up to the multipart threshold), each with its outcome. */
export interface CopyObjectsInput {
  copies: CopyInput[];
  /** KMS requests each copy costs (common/kms-budget.ts). */
  kmsCosts: number[];
}

/**
 * A batch's outcomes, one per item, in order. `null`: not done by this task, because the KMS budget in force
 * pays for fewer requests per task than the batch holds; the page schedules it again. `kmsWeight`: the KMS
 * requests one task of the KMS queue stands for now, read when the batch started (absent when it cost none).
 */
export interface BatchResult<O> {
  outcomes: (O | FailedOutcome | null)[];
  kmsWeight?: number;
}

/** `changed`: the key no longer holds the version inspected (overwritten meanwhile, in an unversioned bucket). */
export type StartUploadResult =
  | { status: 'started'; uploadId: string; unmarked?: number }
  | { status: 'vanished' | 'changed' }
  | NullVersionKept
  | Annotated;

export interface UploadRef {
  bucket: string;
  key: string;
  uploadId: string;
}

export interface PartCopyInput extends UploadRef {
  /** The source ETag HEAD saw: every part is copied from those bytes or not at all. */
  etag: string;
  partNumber: number;
  /** bytes=first-last, inclusive. */
  range: string;
}

/** "upload-gone": aborted elsewhere (or completed by an attempt whose answer was lost). */
export type PartCopyResult = 'copied' | 'changed' | 'vanished' | 'upload-gone';

export interface EnsureTagInput {
  bucket: string;
  key: string;
  versionId?: string;
  tagKey: string;
  tagValue: string;
  /**
   * Where there is no version to tag (unversioned buckets): the object HEAD saw, which must still be there,
   * under the key, after the tagging; otherwise the result is 'changed'. Absent: not checked (the
   * preflight probe's own object, the bench).
   */
  expect?: { etag: string; keyArn: string };
}

export type EnsureTagResult =
  { status: 'already-tagged' | 'tagged' | 'vanished' | 'changed' } | { status: 'too-many-tags'; tagCount: number };
