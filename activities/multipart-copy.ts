import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  type CreateMultipartUploadCommandOutput,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  UploadPartCopyCommand,
  ListPartsCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  CopyInput,
  CopyResult,
  PartCopyInput,
  PartCopyResult,
  StartUploadResult,
  UploadRef,
} from '../common/contract';
import { checksumTypeInParts } from '../common/checksums';
import { encodeCopySource } from './copy-source';
import { grantsOf } from './object-acl';
import { copyWouldReplaceNullVersion } from './null-version';
import { hasAnnotations } from './object-annotations';
import { lockHeaders } from './object-lock';
import { copiedByEarlierAttempt } from './earlier-attempt';
import { tagsForCopy } from './marker-tag';
import { verifyCopy } from './verify-copy';
import { whileHeartbeating } from './heartbeat';
import { errorCode, isChangedMeanwhile, isNotFound, rethrowForTemporal } from './s3-errors';

// A multipart copy is a workflow (workflows/copy-in-parts.ts) of these steps, so that each part is one task
// on the KMS queue (the rate limit then counts parts) and the workflow, not a heartbeat, remembers progress.

/**
 * The object's Expires header, byte for byte as HEAD read it. The SDK takes a Date and writes it back
 * formatted, which changes a value that is not an HTTP date (and writes "undefined, NaN ..." for one that does
 * not parse); S3 stores the header as a string, and a single CopyObject keeps it as it was. So it is set on the
 * request itself, before signing, by a middleware of this command alone. Sent with options, which make the
 * client resolve the command's own middleware rather than reuse the handler it caches per command class.
 */
export function sendKeepingExpires(
  s3: S3Client,
  expires: string | undefined,
  command: CreateMultipartUploadCommand,
): Promise<CreateMultipartUploadCommandOutput> {
  if (expires !== undefined) {
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers.expires = expires;
        return next(args);
      },
      { step: 'build', name: 'expiresAsItWas' },
    );
  }
  return s3.send(command, {});
}

/**
 * The inspected version's content headers and user metadata, read here rather than carried from the page's
 * HEAD so that they never enter a workflow history. Undefined when the key holds another object now (an
 * overwrite in an unversioned bucket): the parts, conditional on the inspected ETag, would fail anyway.
 */
async function headersOf(s3: S3Client, input: CopyInput): Promise<HeadObjectCommandOutput | undefined> {
  const { source } = input;
  const head = await s3.send(
    new HeadObjectCommand({ Bucket: input.bucket, Key: source.key, VersionId: source.versionId }),
  );
  return head.ETag === source.etag ? head : undefined;
}

/**
 * CreateMultipartUpload with everything a multipart copy does not carry over by itself: metadata, tags, class,
 * the Object Lock retention and legal hold and, where ACLs are in force, the object's grants. An object with
 * annotations is not started: parts would drop them.
 */
export async function startUpload(s3: S3Client, input: CopyInput): Promise<StartUploadResult> {
  const { source } = input;
  try {
    if (await copyWouldReplaceNullVersion(s3, input)) return { status: 'null-version-kept' };
    const h = await headersOf(s3, input);
    if (h === undefined) return { status: 'changed' };
    if (await hasAnnotations(s3, input.bucket, source.key, source.versionId)) return { status: 'annotated' };
    const tags = await tagsForCopy(s3, input);
    const grants = input.carryAcl ? await grantsOf(s3, input.bucket, source.key, source.versionId) : {};
    const out = await sendKeepingExpires(
      s3,
      h.ExpiresString,
      new CreateMultipartUploadCommand({
        ...grants,
        ...lockHeaders(source.lock),
        Bucket: input.bucket,
        Key: source.key,
        ContentType: h.ContentType,
        CacheControl: h.CacheControl,
        ContentDisposition: h.ContentDisposition,
        ContentEncoding: h.ContentEncoding,
        ContentLanguage: h.ContentLanguage,
        WebsiteRedirectLocation: h.WebsiteRedirectLocation,
        Metadata: h.Metadata && Object.keys(h.Metadata).length ? h.Metadata : undefined,
        StorageClass: source.storageClass as never,
        Tagging: tags.tagging,
        ChecksumAlgorithm: source.checksumAlgorithm,
        ChecksumType: checksumTypeInParts(source.checksumAlgorithm, source.checksumType),
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: input.keyArn,
        BucketKeyEnabled: input.bucketKeyEnabled,
      }),
    );
    const started = { status: 'started' as const, uploadId: out.UploadId! };
    return tags.unmarked === undefined ? started : { ...started, unmarked: tags.unmarked };
  } catch (err) {
    if (isNotFound(err)) return { status: 'vanished' };
    rethrowForTemporal(err, `start upload ${source.key}`);
  }
}

/** One UploadPartCopy, conditional on the source ETag. Copying a part again replaces it: safe to retry. */
export async function copyPart(s3: S3Client, input: PartCopyInput): Promise<PartCopyResult> {
  const ctx = Context.current();
  try {
    // One part of up to 5 GiB can take minutes: heartbeat so a dead worker is noticed within seconds.
    await whileHeartbeating(() =>
      s3.send(
        new UploadPartCopyCommand({
          Bucket: input.bucket,
          Key: input.key,
          UploadId: input.uploadId,
          PartNumber: input.partNumber,
          CopySource: encodeCopySource(input.bucket, input.key),
          CopySourceRange: input.range,
          CopySourceIfMatch: input.etag,
        }),
        { abortSignal: ctx.cancellationSignal },
      ),
    );
    return 'copied';
  } catch (err) {
    if (errorCode(err) === 'NoSuchUpload') return 'upload-gone';
    if (isChangedMeanwhile(err)) return 'changed';
    if (isNotFound(err)) return 'vanished';
    rethrowForTemporal(err, `copy part ${input.partNumber} of ${input.key}`);
  }
}

async function listUploadedParts(s3: S3Client, upload: UploadRef): Promise<CompletedPart[]> {
  const parts: CompletedPart[] = [];
  // Paged by IsTruncated: S3 (and moto) return NextPartNumberMarker on the last page too, which would keep
  // the SDK's paginator asking for the same empty page forever.
  let marker: string | undefined;
  for (let truncated = true; truncated;) {
    const page = await s3.send(
      new ListPartsCommand({
        Bucket: upload.bucket,
        Key: upload.key,
        UploadId: upload.uploadId,
        PartNumberMarker: marker,
      }),
    );
    truncated = page.IsTruncated === true;
    marker = page.NextPartNumberMarker;
    for (const { Size, LastModified, ...part } of page.Parts ?? []) parts.push(part); // number, ETag, checksums
  }
  return parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
}

/**
 * Completes the upload from the parts S3 lists (authoritative, whatever the part count), conditional on the
 * source ETag so a concurrent overwrite is never replaced by the old bytes, then verifies the new version.
 * A vanished upload means a lost response of an earlier attempt that did complete, or an abort elsewhere:
 * either way "changed" makes the page HEAD the object and decide again.
 */
export async function completeUpload(
  s3: S3Client,
  input: CopyInput & { uploadId: string; partCount: number },
): Promise<CopyResult> {
  const { source } = input;
  const upload = { bucket: input.bucket, key: source.key, uploadId: input.uploadId };
  try {
    const parts = await whileHeartbeating(() => listUploadedParts(s3, upload));
    if (parts.length !== input.partCount) {
      throw ApplicationFailure.create({
        type: 'IncompleteUpload',
        nonRetryable: true,
        message: `upload ${input.uploadId} of ${source.key} has ${parts.length} parts, expected ${input.partCount}`,
      });
    }
    const out = await whileHeartbeating(() =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: input.bucket,
          Key: source.key,
          UploadId: input.uploadId,
          MultipartUpload: { Parts: parts },
          ChecksumType: checksumTypeInParts(source.checksumAlgorithm, source.checksumType),
          IfMatch: source.etag,
        }),
      ),
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
    if (errorCode(err) === 'NoSuchUpload' || isChangedMeanwhile(err)) {
      // A retry after a completion whose result was lost finds the upload gone and the copy in place.
      return (await copiedByEarlierAttempt(s3, input))
        ? { status: 'copied', bytes: source.size }
        : { status: 'changed' };
    }
    if (isNotFound(err)) return { status: 'vanished' };
    rethrowForTemporal(err, `complete upload ${source.key}`);
  }
}

/** Aborts an upload so that no parts are left behind; an upload already gone is fine. */
export async function abortUpload(s3: S3Client, upload: UploadRef): Promise<void> {
  try {
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: upload.bucket, Key: upload.key, UploadId: upload.uploadId }),
    );
  } catch (err) {
    if (!isNotFound(err)) rethrowForTemporal(err, `abort upload ${upload.key}`);
  }
}
