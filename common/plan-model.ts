// What a migration of each object will cost, decided as the migration decides it: the plan's model.
import { lockedBy, type Decision } from './decide';
import type { ObjectSnapshot } from './contract';
import { kmsRequestsPerCopy, kmsRequestsPerPart, kmsRequestsPerUpdate, kmsRequestsToCreateUpload } from './kms-budget';
import { effectivePartSize } from './part-plan';

/** S3 requests by operation, named as AWS bills and logs them. */
export type RequestKind =
  | 'ListObjects'
  | 'HeadObject'
  | 'UpdateObjectEncryption'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'GetObjectAcl'
  | 'CopyObject'
  | 'CreateMultipartUpload'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'ListParts'
  | 'ListObjectAnnotations';

/** Requests S3 bills at the PUT/COPY/POST/LIST rate; the others at the GET rate. */
export const PUT_CLASS: ReadonlySet<RequestKind> = new Set<RequestKind>([
  'ListObjects',
  'UpdateObjectEncryption',
  'PutObjectTagging',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPartCopy',
  'CompleteMultipartUpload',
]);

export interface ObjectsAndBytes {
  objects: number;
  bytes: number;
}

/** What a plan found: listed objects counted in full, the surveyed ones (all, or a sample) by state and by action. */
export interface PlanTally {
  listed: ObjectsAndBytes;
  olderVersions: number;
  surveyed: number;
  /** By the object's encryption now: SSE-S3, not encrypted, SSE-KMS under the key / another key, SSE-C, DSSE-KMS. */
  byState: Record<string, ObjectsAndBytes>;
  /** By what the migration would do: update, tag only, copy, copy in parts, or the skip reason. */
  byAction: Record<string, ObjectsAndBytes>;
  /** Archived objects (restored or not), and objects with more than 5 GiB, among the surveyed. */
  archived: number;
  overFiveGib: number;
  /** Objects whose HEAD counts 10 tags already (no room for the marker); HEADs that do not count them are not here. */
  tooManyTags?: number;
  /**
   * Objects under Object Lock (a retention not over, or a legal hold) and their bytes: skipped, or with
   * --copy-locked copied, their data then stored twice until the lock ends.
   */
  locked: ObjectsAndBytes;
  /** S3 requests the surveyed objects would cost (listing excluded: it is counted for all listed objects). */
  requests: Partial<Record<RequestKind, number>>;
  kmsRequests: number;
  kmsRequestsWithBucketKey: number;
}

export function emptyTally(): PlanTally {
  return {
    listed: { objects: 0, bytes: 0 },
    olderVersions: 0,
    surveyed: 0,
    byState: {},
    byAction: {},
    archived: 0,
    overFiveGib: 0,
    locked: { objects: 0, bytes: 0 },
    requests: {},
    kmsRequests: 0,
    kmsRequestsWithBucketKey: 0,
  };
}

export function addTally(into: PlanTally, from: PlanTally): void {
  into.listed.objects += from.listed.objects;
  into.listed.bytes += from.listed.bytes;
  into.olderVersions += from.olderVersions;
  into.surveyed += from.surveyed;
  into.archived += from.archived;
  into.overFiveGib += from.overFiveGib;
  into.tooManyTags = (into.tooManyTags ?? 0) + (from.tooManyTags ?? 0);
  into.locked.objects += from.locked.objects;
  into.locked.bytes += from.locked.bytes;
  into.kmsRequests += from.kmsRequests;
  into.kmsRequestsWithBucketKey += from.kmsRequestsWithBucketKey;
  for (const [k, v] of Object.entries(from.byState)) add(into.byState, k, v.objects, v.bytes);
  for (const [k, v] of Object.entries(from.byAction)) add(into.byAction, k, v.objects, v.bytes);
  for (const [k, n] of Object.entries(from.requests)) count(into.requests, k as RequestKind, n ?? 0);
}

function add(into: Record<string, ObjectsAndBytes>, key: string, objects: number, bytes: number): void {
  const entry = (into[key] ??= { objects: 0, bytes: 0 });
  entry.objects += objects;
  entry.bytes += bytes;
}

function count(into: Partial<Record<RequestKind, number>>, kind: RequestKind, n = 1): void {
  if (n > 0) into[kind] = (into[kind] ?? 0) + n;
}

function stateOf(s: Extract<ObjectSnapshot, { exists: true }>, keyArn: string): string {
  if (s.sseCustomerAlgorithm) return 'SSE-C';
  if (s.sse === 'aws:kms:dsse') return 'DSSE-KMS';
  if (s.sse === 'aws:kms' && s.kmsKeyArn === undefined) return 'SSE-KMS, key not listed'; // an inventory's row
  if (s.sse === 'aws:kms') return s.kmsKeyArn === keyArn ? 'SSE-KMS under the key' : 'SSE-KMS under another key';
  if (s.sse === 'AES256') return 'SSE-S3';
  return 'not encrypted';
}

export interface ObjectContext {
  keyArn: string;
  versioned: boolean;
  aclsInForce: boolean;
  partSizeBytes: number;
  /** Epoch ms: whether a retention is over. */
  now: number;
}

/**
 * Counts one surveyed object: its state, the action the migration decides for it, and the S3 and KMS requests
 * that action costs as the worker makes them (docs/how-it-works.md): a batched HEAD; an update, a tag read
 * where the object has tags or the endpoint does not say, a tag write and, without versions, a HEAD that
 * confirms the object (a tag-only object the same, without the update); a copy with its tag read, its ACL read where ACLs are in force, and the HEAD that
 * verifies it; a multipart copy with an annotations check, a HEAD for the headers it sets, its parts, the
 * listing of its parts (1,000 a page) and its completion.
 */
export function tallyObject(t: PlanTally, snapshot: ObjectSnapshot, decision: Decision, ctx: ObjectContext): void {
  t.surveyed++;
  count(t.requests, 'HeadObject');
  if (!snapshot.exists) return add(t.byAction, 'vanished', 1, 0);
  const { size } = snapshot;
  add(t.byState, stateOf(snapshot, ctx.keyArn), 1, size);
  if (snapshot.archived) t.archived++;
  if (size > 5 * 1024 ** 3) t.overFiveGib++;
  if ((snapshot.tagCount ?? 0) >= 10) t.tooManyTags = (t.tooManyTags ?? 0) + 1;
  if (lockedBy(snapshot, ctx.now)) {
    t.locked.objects++;
    t.locked.bytes += size;
  }
  const readsTags = snapshot.tagCount === undefined || snapshot.tagCount > 0;
  const action =
    decision.action === 'copy'
      ? decision.multipart
        ? 'copy in parts'
        : 'copy'
      : decision.action === 'skip'
        ? `skip: ${decision.reason}`
        : snapshot.sse === 'aws:kms' && snapshot.kmsKeyArn === undefined
          ? `${decision.action}, or tag only if under the key` // counted as the update, the most it costs
          : decision.action;
  add(t.byAction, action, 1, size);
  const kms = (withoutBucketKey: number, withBucketKey: number) => {
    t.kmsRequests += withoutBucketKey;
    t.kmsRequestsWithBucketKey += withBucketKey;
  };
  switch (decision.action) {
    case 'skip':
      return;
    case 'ensure-tag':
      if (readsTags) count(t.requests, 'GetObjectTagging');
      if (snapshot.tagCount === 0) count(t.requests, 'PutObjectTagging'); // no tags at all: the marker is surely missing
      if (!ctx.versioned) count(t.requests, 'HeadObject'); // still the object inspected, as after an update
      return;
    case 'update':
      count(t.requests, 'UpdateObjectEncryption');
      if (readsTags) count(t.requests, 'GetObjectTagging');
      count(t.requests, 'PutObjectTagging');
      if (!ctx.versioned) count(t.requests, 'HeadObject');
      return kms(kmsRequestsPerUpdate(snapshot, false), kmsRequestsPerUpdate(snapshot, true));
    case 'copy': {
      if (readsTags) count(t.requests, 'GetObjectTagging');
      if (ctx.aclsInForce) count(t.requests, 'GetObjectAcl');
      count(t.requests, 'HeadObject'); // the copy is verified
      if (!decision.multipart) {
        count(t.requests, 'CopyObject');
        return kms(kmsRequestsPerCopy(snapshot, false), kmsRequestsPerCopy(snapshot, true));
      }
      const parts = Math.max(1, Math.ceil(size / effectivePartSize(size, ctx.partSizeBytes)));
      count(t.requests, 'ListObjectAnnotations');
      count(t.requests, 'HeadObject'); // the content headers and user metadata CreateMultipartUpload sets
      count(t.requests, 'CreateMultipartUpload');
      count(t.requests, 'UploadPartCopy', parts);
      count(t.requests, 'ListParts', Math.ceil(parts / 1000));
      count(t.requests, 'CompleteMultipartUpload');
      return kms(
        kmsRequestsToCreateUpload(false) + parts * kmsRequestsPerPart(snapshot, false),
        kmsRequestsToCreateUpload(true) + parts * kmsRequestsPerPart(snapshot, true),
      );
    }
  }
}
