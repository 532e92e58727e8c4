import type { Tag } from '@aws-sdk/client-s3';

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
