import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { UpdateAvailability } from './types';
import { describeError, errorCode, httpStatus, isRetryable } from './s3-errors';
import { updateRequest } from './update-objects';

/** Where the probe asks: a key that does not exist, so a working endpoint answers NoSuchKey and changes nothing. */
export const PROBE_PREFIX = '.s3-kms-migrator-probe/';

const UNAVAILABLE = new Set(['NotImplemented', 'MethodNotAllowed']);

/**
 * Whether this endpoint, region and caller can use UpdateObjectEncryption, asked once per migration with the
 * update of an object that does not exist. NoSuchKey: it can. NotImplemented, MethodNotAllowed, AccessDenied
 * (no s3:UpdateObjectEncryption, a key of another account) or another refusal: the migration copies instead.
 * An endpoint that accepts it takes the request for another one (moto without this project's extension
 * writes it as an object): that object is deleted, and the migration copies.
 */
export async function probeUpdate(s3: S3Client, bucket: string, keyArn: string): Promise<UpdateAvailability> {
  const key = `${PROBE_PREFIX}${randomUUID()}`;
  const input = { bucket, keyArn, bucketKeyEnabled: false, tagKey: '', tagValue: '', items: [] };
  try {
    await s3.send(updateRequest(input, { key, update: true, kmsCost: 1 }));
  } catch (err) {
    const code = errorCode(err);
    if (code === 'NoSuchKey') return { available: true };
    if (!UNAVAILABLE.has(code) && httpStatus(err) !== 501 && isRetryable(err)) throw err;
    return { available: false, reason: describeError(err, 'UpdateObjectEncryption') };
  }
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
  return {
    available: false,
    reason: 'UpdateObjectEncryption: the endpoint accepted the update of an object that does not exist (it does not implement the operation)',
  };
}
