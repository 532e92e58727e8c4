import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  paginateListParts,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import type { CopyInput, CopyResult } from '../common/types';
import { encodeCopySource } from './copy-source';
import { tagsForCopy } from './copy-tags';
import { effectivePartSize, planParts, type PartRange } from './part-plan';
import { verifyCopy } from './verify-copy';
import { whileHeartbeating } from './heartbeat';
import { errorCode, isChangedMeanwhile, isNotFound, isRetryable, rethrowForTemporal } from './s3-errors';

/**
 * Heartbeat details: what a retried attempt needs to resume. Only the upload: the parts done are asked of
 * S3 (ListParts), which is authoritative and keeps the heartbeat small whatever the part count.
 */
export interface MultipartHeartbeat {
  uploadId: string;
  etag: string;
}

interface MultipartProgress extends MultipartHeartbeat {
  parts: CompletedPart[];
}

const PARTS_IN_PARALLEL = 4;

/** The upload a previous attempt heartbeated, with the parts S3 has for it; undefined to start afresh. */
async function resumable(s3: S3Client, input: CopyInput): Promise<MultipartProgress | undefined> {
  const previous = Context.current().info.heartbeatDetails as MultipartHeartbeat | undefined;
  // Only resume an upload made from the same source bytes.
  if (!previous?.uploadId || previous.etag !== input.source.etag) return undefined;
  const parts: CompletedPart[] = [];
  try {
    const pages = paginateListParts({ client: s3 }, { Bucket: input.bucket, Key: input.source.key, UploadId: previous.uploadId });
    for await (const page of pages) {
      for (const p of page.Parts ?? []) {
        parts.push({
          PartNumber: p.PartNumber,
          ETag: p.ETag,
          ChecksumCRC32: p.ChecksumCRC32,
          ChecksumCRC32C: p.ChecksumCRC32C,
          ChecksumCRC64NVME: p.ChecksumCRC64NVME,
          ChecksumSHA1: p.ChecksumSHA1,
          ChecksumSHA256: p.ChecksumSHA256,
        });
      }
    }
  } catch (err) {
    if (errorCode(err) === 'NoSuchUpload') return undefined;
    throw err;
  }
  return { uploadId: previous.uploadId, etag: previous.etag, parts };
}

async function createUpload(s3: S3Client, input: CopyInput, tagging: string): Promise<string> {
  const { source } = input;
  const h = source.headers;
  // Multipart copy copies no metadata by itself: everything is set here.
  const out = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: input.bucket,
      Key: source.key,
      ContentType: h.ContentType,
      CacheControl: h.CacheControl,
      ContentDisposition: h.ContentDisposition,
      ContentEncoding: h.ContentEncoding,
      ContentLanguage: h.ContentLanguage,
      Expires: h.Expires ? new Date(h.Expires) : undefined,
      WebsiteRedirectLocation: h.WebsiteRedirectLocation,
      Metadata: h.Metadata,
      StorageClass: source.storageClass as never,
      Tagging: tagging,
      ChecksumAlgorithm: source.checksumAlgorithm,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: input.keyArn,
      BucketKeyEnabled: input.bucketKeyEnabled,
    }),
  );
  return out.UploadId!;
}

async function copyParts(s3: S3Client, input: CopyInput, progress: MultipartProgress, todo: PartRange[]): Promise<void> {
  const ctx = Context.current();
  const queue = [...todo];
  const copyNext = async (): Promise<void> => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const out = await s3.send(
        new UploadPartCopyCommand({
          Bucket: input.bucket,
          Key: input.source.key,
          UploadId: progress.uploadId,
          PartNumber: part.partNumber,
          CopySource: encodeCopySource(input.bucket, input.source.key),
          CopySourceRange: part.range,
          CopySourceIfMatch: input.source.etag,
        }),
        { abortSignal: ctx.cancellationSignal },
      );
      const r = out.CopyPartResult;
      progress.parts.push({
        PartNumber: part.partNumber,
        ETag: r?.ETag,
        ChecksumCRC32: r?.ChecksumCRC32,
        ChecksumCRC32C: r?.ChecksumCRC32C,
        ChecksumCRC64NVME: r?.ChecksumCRC64NVME,
        ChecksumSHA1: r?.ChecksumSHA1,
        ChecksumSHA256: r?.ChecksumSHA256,
      });
    }
  };
  await Promise.all(Array.from({ length: PARTS_IN_PARALLEL }, copyNext));
}

async function abortUpload(s3: S3Client, input: CopyInput, uploadId: string): Promise<void> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: input.bucket, Key: input.source.key, UploadId: uploadId }));
  } catch (err) {
    if (!isNotFound(err)) throw err; // already gone: nothing is orphaned
  }
}

/**
 * Re-encrypt one large object: CreateMultipartUpload with all metadata, UploadPartCopy per range,
 * CompleteMultipartUpload conditional on the source ETag. Heartbeats the upload ID so a retry resumes it;
 * aborts the upload on any permanent failure so no upload is ever orphaned.
 */
export async function multipartCopy(s3: S3Client, input: CopyInput): Promise<CopyResult> {
  const { source } = input;
  const ctx = Context.current();
  let progress: MultipartProgress | undefined;
  try {
    progress = await resumable(s3, input);
    const tags = await tagsForCopy(s3, input);
    if ('tooMany' in tags) {
      if (progress) await abortUpload(s3, input, progress.uploadId);
      return { status: 'too-many-tags', tagCount: tags.tooMany };
    }
    progress ??= { uploadId: await createUpload(s3, input, tags.tagging), etag: source.etag, parts: [] };
    const heartbeat: MultipartHeartbeat = { uploadId: progress.uploadId, etag: progress.etag };
    ctx.heartbeat(heartbeat); // at once: a crash from here on leaves an upload the retry must find

    const current = progress;
    const done = new Set(current.parts.map((p) => p.PartNumber));
    const plan = planParts(source.size, effectivePartSize(source.size, input.partSizeBytes));
    // One part of up to 5 GiB can take minutes: keep heartbeating while parts copy.
    await whileHeartbeating(
      () => copyParts(s3, input, current, plan.filter((p) => !done.has(p.partNumber))),
      () => heartbeat,
    );

    const parts = [...progress.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    const out = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: input.bucket,
        Key: source.key,
        UploadId: progress.uploadId,
        MultipartUpload: { Parts: parts },
        IfMatch: source.etag, // never replace a concurrent overwrite with the old bytes
      }),
    );
    const verified = await verifyCopy(s3, {
      bucket: input.bucket,
      key: source.key,
      versionId: out.VersionId,
      etag: out.ETag,
      expectedSize: source.size,
      keyArn: input.keyArn,
    });
    if (verified === 'replaced') return { status: 'changed' };
    return { status: 'copied', versionId: out.VersionId, bytes: source.size };
  } catch (err) {
    const cancelled = ctx.cancellationSignal.aborted;
    // A retryable error keeps the upload: the next attempt resumes it from the heartbeat and ListParts.
    if (errorCode(err) === 'NoSuchUpload') throw err; // aborted elsewhere: the retry finds it gone and starts afresh
    if (progress && (cancelled || !isRetryable(err))) await abortUpload(s3, input, progress.uploadId);
    if (isChangedMeanwhile(err)) return { status: 'changed' };
    if (isNotFound(err)) return { status: 'vanished' };
    rethrowForTemporal(err, `multipart copy ${source.key}`);
  }
}
