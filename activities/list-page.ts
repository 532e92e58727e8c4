import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ChecksumAlgorithm, ListedObject, ListPageInput, ListPageResult } from '../common/contract';
import { rethrowForTemporal } from './s3-errors';

/** The first checksum algorithm a listing names for an object (S3 lists at most one). */
const firstAlgorithm = (algorithms?: ChecksumAlgorithm[]) => algorithms?.[0];

/** Keep each page's payload well under Temporal's 256 KB warning, whatever the key lengths. */
export const PAGE_PAYLOAD_BUDGET_BYTES = 128 * 1024;

async function listCurrent(s3: S3Client, input: ListPageInput, maxKeys: number): Promise<ListPageResult> {
  const out = await s3.send(
    new ListObjectsV2Command({
      Bucket: input.bucket,
      Prefix: input.prefix || undefined,
      StartAfter: input.after.key,
      MaxKeys: maxKeys,
    }),
  );
  const objects: ListedObject[] = (out.Contents ?? []).map((o) => ({
    key: o.Key!,
    size: o.Size ?? 0,
    etag: o.ETag ?? '',
    storageClass: o.StorageClass,
    checksumAlgorithm: firstAlgorithm(o.ChecksumAlgorithm),
    checksumType: o.ChecksumType,
  }));
  const last = objects.at(-1);
  return {
    objects,
    olderVersions: 0,
    next: last ? { key: last.key } : input.after,
    done: !out.IsTruncated || !last,
  };
}

async function listVersions(s3: S3Client, input: ListPageInput, maxKeys: number): Promise<ListPageResult> {
  const out = await s3.send(
    new ListObjectVersionsCommand({
      Bucket: input.bucket,
      Prefix: input.prefix || undefined,
      KeyMarker: input.after.key,
      VersionIdMarker: input.after.key ? input.after.versionId : undefined,
      MaxKeys: maxKeys,
    }),
  );
  const versions = (out.Versions ?? []).filter((v) => v.IsLatest || input.allVersions);
  const objects: ListedObject[] = versions.map((v) => ({
    key: v.Key!,
    versionId: v.IsLatest ? undefined : v.VersionId,
    size: v.Size ?? 0,
    etag: v.ETag ?? '',
    storageClass: v.StorageClass,
    checksumAlgorithm: firstAlgorithm(v.ChecksumAlgorithm),
    checksumType: v.ChecksumType,
  }));
  const olderVersions = (out.Versions?.length ?? 0) - versions.length + (out.DeleteMarkers?.length ?? 0);
  const done = !out.IsTruncated;
  return {
    objects,
    olderVersions,
    next: done ? input.after : { key: out.NextKeyMarker, versionId: out.NextVersionIdMarker },
    done,
  };
}

/**
 * One page of the listing after the cursor: current objects (and noncurrent versions with allVersions); the
 * rest is counted. A permanent error (access denied, the bucket deleted) is not retried: it names the bucket.
 */
export async function listPage(s3: S3Client, input: ListPageInput): Promise<ListPageResult> {
  const list = input.versioned ? listVersions : listCurrent;
  let maxKeys = input.maxKeys;
  try {
    for (;;) {
      const page = await list(s3, input, maxKeys);
      if (maxKeys === 1 || JSON.stringify(page.objects).length <= PAGE_PAYLOAD_BUDGET_BYTES) return page;
      maxKeys = Math.max(1, Math.floor(maxKeys / 2)); // very long keys: ask for fewer at a time
    }
  } catch (err) {
    const what = input.versioned ? 'ListObjectVersions' : 'ListObjectsV2';
    rethrowForTemporal(err, `listing s3://${input.bucket}/${input.prefix ?? ''} (${what}) failed`);
  }
}
