import type { S3Client, Tag } from '@aws-sdk/client-s3';
import { MAX_TAGS_PER_OBJECT, type CopyInput } from '../common/types';
import { readTags } from './object-tags';
import { encodeTagging, mergeMarkerTag } from './tags';

/**
 * The tag set the new version gets: the source's tags (read just before the copy) plus the marker.
 * Written together with the copy, so the new version is never visible without it.
 */
export async function tagsForCopy(
  s3: S3Client,
  input: CopyInput,
): Promise<{ tagging: string } | { tooMany: number }> {
  const existing: Tag[] = await readTags(s3, input.bucket, input.source.key, input.source.versionId);
  const merged = mergeMarkerTag(existing, input.tagKey, input.tagValue);
  if (merged.length > MAX_TAGS_PER_OBJECT) return { tooMany: existing.length };
  return { tagging: encodeTagging(merged) };
}
