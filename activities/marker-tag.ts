import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { MAX_TAGS_PER_OBJECT } from '../common/s3-limits';
import type { CopyInput, EnsureTagInput, EnsureTagResult } from '../common/contract';
import { isChangedMeanwhile, isNotFound, rethrowForTemporal } from './s3-errors';

// The marker tag: merged into an object's tags (never replacing them), on the version that was re-encrypted.

/** The tag set with our marker set, every other tag kept as it was. */
export function mergeMarkerTag(tags: Tag[], key: string, value: string): Tag[] {
  return [...tags.filter((t) => t.Key !== key), { Key: key, Value: value }];
}

export function hasMarkerTag(tags: Tag[], key: string, value: string): boolean {
  return tags.some((t) => t.Key === key && t.Value === value);
}

/** The x-amz-tagging header form: query-string pairs, percent-encoded (a space is %20, never +). */
export function encodeTagging(tags: Tag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.Key ?? '')}=${encodeURIComponent(t.Value ?? '')}`).join('&');
}

export async function readTags(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<Tag[]> {
  const out = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return out.TagSet ?? [];
}

/**
 * The tag set the new version gets: the source's tags (read just before the copy) plus the marker, written
 * together with the copy, so the new version is never visible without it. With no room left for the marker
 * (S3 allows 10 tags), the source's tags alone: the object is re-encrypted all the same, and `unmarked` says
 * how many tags kept the marker out.
 */
export async function tagsForCopy(s3: S3Client, input: CopyInput): Promise<{ tagging: string; unmarked?: number }> {
  const existing: Tag[] = await readTags(s3, input.bucket, input.source.key, input.source.versionId);
  const merged = mergeMarkerTag(existing, input.tagKey, input.tagValue);
  if (merged.length > MAX_TAGS_PER_OBJECT) return { tagging: encodeTagging(existing), unmarked: existing.length };
  return { tagging: encodeTagging(merged) };
}

/**
 * Whether the object is still the one HEAD saw, under the key. Where there is no version ID, the tags went to
 * whatever object was current; where it is `null`, to whatever null version there is (a write while versioning
 * is off or suspended replaces it). Had another writer replaced it meanwhile, the marker would stand on an
 * object that is not under the key (or the object we inspected would be gone untagged). So the same version is
 * asked for again: a `null` version by its ID, because it need not be the current one. Tags do not change the ETag.
 */
async function stillTheOne(
  s3: S3Client,
  input: EnsureTagInput,
  expect: NonNullable<EnsureTagInput['expect']>,
): Promise<boolean> {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: input.bucket, Key: input.key, VersionId: input.versionId, IfMatch: expect.etag }),
    );
    return head.ServerSideEncryption === 'aws:kms' && head.SSEKMSKeyId === expect.keyArn && head.ETag === expect.etag;
  } catch (err) {
    if (isChangedMeanwhile(err) || isNotFound(err)) return false;
    throw err;
  }
}

/** What is known of an object's tags already: HEAD's x-amz-tagging-count, or the tag set itself. */
export interface KnownTags {
  tagCount?: number;
  tags?: Tag[];
}

/** Adds the marker tag, keeping every other tag; S3 errors are thrown as they come. */
async function merge(s3: S3Client, input: EnsureTagInput, known: KnownTags): Promise<EnsureTagResult> {
  const tags = known.tags ?? (known.tagCount === 0 ? [] : await readTags(s3, input.bucket, input.key, input.versionId));
  if (hasMarkerTag(tags, input.tagKey, input.tagValue)) return { status: 'already-tagged' };
  const merged = mergeMarkerTag(tags, input.tagKey, input.tagValue);
  if (merged.length > MAX_TAGS_PER_OBJECT) return { status: 'too-many-tags', tagCount: tags.length };
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: input.bucket,
      Key: input.key,
      VersionId: input.versionId,
      Tagging: { TagSet: merged },
    }),
  );
  return { status: 'tagged' };
}

/**
 * After the object was replaced between our update and our tag: the marker we wrote may now stand on the newer
 * object. Taken off again (its other tags kept) unless that object is under the key too, so the marker never
 * says "under the key" of an object that is not (the page decides about the newer object afresh).
 */
async function withdrawMarker(s3: S3Client, input: EnsureTagInput, keyArn: string): Promise<void> {
  try {
    const now = await s3.send(
      new HeadObjectCommand({ Bucket: input.bucket, Key: input.key, VersionId: input.versionId }),
    );
    if (now.ServerSideEncryption === 'aws:kms' && now.SSEKMSKeyId === keyArn) return;
    const tags = await readTags(s3, input.bucket, input.key, input.versionId);
    if (!hasMarkerTag(tags, input.tagKey, input.tagValue)) return;
    const kept = tags.filter((t) => !(t.Key === input.tagKey && t.Value === input.tagValue));
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: input.bucket,
        Key: input.key,
        VersionId: input.versionId,
        Tagging: { TagSet: kept },
      }),
    );
  } catch (err) {
    if (isNotFound(err)) return; // gone: no marker left anywhere
    throw err;
  }
}

/**
 * Adds the marker tag to that exact version, keeping every other tag; without a version ID, then checks that
 * the object is still the one inspected ('changed' if not: the marker is withdrawn from the newer object, and
 * the page decides again). Tags already read, or a `tagCount` of 0 (HEAD's x-amz-tagging-count), save reading them.
 */
export async function mergeMarkerInto(
  s3: S3Client,
  input: EnsureTagInput,
  known: KnownTags = {},
): Promise<EnsureTagResult> {
  try {
    const result = await merge(s3, input, known);
    const unversioned = input.versionId === undefined || input.versionId === 'null';
    if ((result.status === 'tagged' || result.status === 'already-tagged') && unversioned && input.expect) {
      if (!(await stillTheOne(s3, input, input.expect))) {
        if (result.status === 'tagged') await withdrawMarker(s3, input, input.expect.keyArn);
        return { status: 'changed' };
      }
    }
    return result;
  } catch (err) {
    if (isNotFound(err)) return { status: 'vanished' };
    throw err;
  }
}

/** For an object already under the key: add the marker tag to that exact version, keeping every other tag. */
export async function ensureTag(s3: S3Client, input: EnsureTagInput): Promise<EnsureTagResult> {
  try {
    return await mergeMarkerInto(s3, input);
  } catch (err) {
    rethrowForTemporal(err, `tag ${input.key}`);
  }
}
