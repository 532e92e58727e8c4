import { PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { MAX_TAGS_PER_OBJECT, type EnsureTagInput, type EnsureTagResult } from '../common/types';
import { readTags } from './object-tags';
import { hasMarkerTag, mergeMarkerTag } from './tags';
import { isNotFound, rethrowForTemporal } from './s3-errors';

/**
 * Adds the marker tag to that exact version, keeping every other tag. S3 errors are thrown as they come.
 * `tagCount` 0 (HEAD's x-amz-tagging-count) saves reading an empty tag set.
 */
export async function mergeMarkerInto(s3: S3Client, input: EnsureTagInput, tagCount?: number): Promise<EnsureTagResult> {
  try {
    const tags = tagCount === 0 ? [] : await readTags(s3, input.bucket, input.key, input.versionId);
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
