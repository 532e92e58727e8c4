import { ListObjectAnnotationsCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorCode } from './s3-errors';

/** Answers of an endpoint that has no object annotations at all (so the object has none). */
const NOT_OFFERED = new Set(['NotImplemented', 'MethodNotAllowed']);

/**
 * Whether this version of the object has annotations. A multipart copy does not carry them (UploadPartCopy
 * copies data only), so such an object is copied in one CopyObject, which does. One ListObjectAnnotations
 * request, asked for one entry; made only before a multipart copy.
 */
export async function hasAnnotations(s3: S3Client, bucket: string, key: string, versionId?: string): Promise<boolean> {
  try {
    const listed = await s3.send(
      new ListObjectAnnotationsCommand({ Bucket: bucket, Key: key, VersionId: versionId, MaxAnnotationResults: 1 }),
    );
    return (listed.Annotations?.length ?? 0) > 0 || (listed.AnnotationCount ?? 0) > 0;
  } catch (err) {
    if (NOT_OFFERED.has(errorCode(err))) return false;
    throw err;
  }
}
