import { GetBucketTaggingCommand, paginateListBuckets, type S3Client } from '@aws-sdk/client-s3';
import { forEachConcurrently } from '../common/concurrently';
import { errorCode } from '../activities/s3-errors';

/** "KEY=VALUE" as given to --buckets-tagged, or an error naming the flag. */
export function parseTagFilter(filter: string): { key: string; value: string } {
  const at = filter.indexOf('=');
  if (at <= 0) throw new Error(`--buckets-tagged must be KEY=VALUE, such as __Inventory=true, not "${filter}"`);
  return { key: filter.slice(0, at), value: filter.slice(at + 1) };
}

/**
 * The buckets of the region that carry the tag (as AWS's walkthrough selects buckets with `__Inventory=true`),
 * in name order. A bucket without tags does not match; one whose tags cannot be read is an error naming it.
 */
export async function bucketsTagged(s3: S3Client, region: string, filter: string): Promise<string[]> {
  const { key, value } = parseTagFilter(filter);
  const names: string[] = [];
  for await (const page of paginateListBuckets({ client: s3 }, { BucketRegion: region })) {
    for (const bucket of page.Buckets ?? [])
      if (bucket.Name && (!bucket.BucketRegion || bucket.BucketRegion === region)) names.push(bucket.Name);
  }
  const matching = new Set<string>();
  await forEachConcurrently(names, 8, async (name) => {
    try {
      const tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet ?? [];
      if (tags.some((t) => t.Key === key && t.Value === value)) matching.add(name);
    } catch (err) {
      if (errorCode(err) === 'NoSuchTagSet') return;
      throw new Error(`the tags of bucket "${name}" could not be read: ${errorCode(err)}`);
    }
  });
  return names.filter((n) => matching.has(n)).sort();
}
