import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CopyInput } from '../common/contract';

/** Whether `key` has a version with the ID "null": its versions, newest first, lead a listing by its own prefix. */
async function hasNullVersion(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, MaxKeys: 100, ...markers }),
    );
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    if (entries.some((v) => v.Key === key && v.VersionId === 'null')) return true;
    // Keys that only start with `key` sort after it: once one shows up, every version of `key` was seen.
    if (!page.IsTruncated || entries.some((v) => v.Key !== key)) return false;
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
}

/**
 * Whether copying this object would destroy a version. In a version-suspended bucket every write creates the
 * key's `null` version and replaces the one there was: harmless when the current version is that `null`
 * version (it is replaced by the same data under the key), a loss when the current version has an ID of its
 * own and an older `null` version (or a `null` delete marker) exists beneath it.
 */
export async function copyWouldReplaceNullVersion(s3: S3Client, input: CopyInput): Promise<boolean> {
  const { source } = input;
  if (!input.versioningSuspended || source.versionId === undefined || source.versionId === 'null') return false;
  return hasNullVersion(s3, input.bucket, source.key);
}
