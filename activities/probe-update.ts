import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateAvailability } from '../common/contract';
import { describeError, errorCode, httpStatus, isRetryable } from './s3-errors';
import { updateRequest } from './update-objects';

/**
 * Where the probe asks, under the migration's prefix: a key that does not exist, so a working endpoint answers
 * NoSuchKey.
 */
export const PROBE_FOLDER = '.s3-kms-migrator-probe/';

const UNAVAILABLE = new Set(['NotImplemented', 'MethodNotAllowed']);

/**
 * Whether this endpoint, region and caller can use UpdateObjectEncryption, asked once per migration with the
 * update of an object that does not exist, under the migration's prefix (where the worker's IAM policy lets it
 * work). NoSuchKey: it can. NotImplemented, MethodNotAllowed, or another refusal: the migration copies instead.
 * AccessDenied fails the preflight, naming the permission: a policy that forgot s3:UpdateObjectEncryption must
 * not quietly turn a migration in place into a copy of every object (--engine copy asks for that). An endpoint
 * that accepts the request takes it for another one (moto without this project's extension writes it as an
 * object): every version it wrote there is deleted, and the migration copies.
 */
export async function probeUpdate(
  s3: S3Client,
  bucket: string,
  prefix: string,
  keyArn: string,
): Promise<UpdateAvailability> {
  const key = `${prefix}${PROBE_FOLDER}${randomUUID()}`;
  const input = { bucket, keyArn, bucketKeyEnabled: false, tagKey: '', tagValue: '', items: [] };
  try {
    await s3.send(updateRequest(input, { key, update: true, kmsCost: 1 }));
  } catch (err) {
    const code = errorCode(err);
    if (code === 'NoSuchKey') return { available: true };
    if (code === 'AccessDenied') {
      throw ApplicationFailure.create({
        type: 'UpdateObjectEncryptionDenied',
        nonRetryable: true,
        message:
          `UpdateObjectEncryption is denied to the worker under s3://${bucket}/${prefix} (AccessDenied): grant it s3:UpdateObjectEncryption ` +
          `on arn:aws:s3:::${bucket}/${prefix}* (and kms:Decrypt, kms:GenerateDataKey on the key; the key must be of the bucket owner's account), ` +
          'or run with --engine copy to copy every object; no object was touched',
      });
    }
    if (!UNAVAILABLE.has(code) && httpStatus(err) !== 501 && isRetryable(err)) throw err;
    return { available: false, reason: describeError(err, 'UpdateObjectEncryption') };
  }
  await deleteEveryVersion(s3, bucket, key);
  return {
    available: false,
    reason:
      'UpdateObjectEncryption: the endpoint accepted the update of an object that does not exist (it does not ' +
      'implement the operation)',
  };
}

/** Leaves nothing behind, in a versioned bucket too: each version and delete marker of the key, by its ID. */
async function deleteEveryVersion(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
    const entries = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].filter((v) => v.Key === key);
    if (entries.length === 0) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    for (const v of entries)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId }));
  } catch {
    // Best effort: the object, if any, is a zero-byte probe under PROBE_FOLDER.
  }
}
