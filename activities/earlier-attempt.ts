import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import type { CopyInput } from '../common/contract';
import { hasMarkerTag, readTags } from './marker-tag';
import { isNotFound } from './s3-errors';

/**
 * After "changed meanwhile" on a retried activity: whether the object now there is the copy an earlier attempt
 * made, whose result was lost with its worker (under the key, the inspected length, the marker — our copy
 * writes all three at once). Then it is counted as migrated, not as re-checked and already done.
 */
export async function copiedByEarlierAttempt(s3: S3Client, input: CopyInput): Promise<boolean> {
  if (Context.current().info.attempt <= 1) return false;
  const { bucket, source, keyArn } = input;
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: source.key }));
    if (head.ServerSideEncryption !== 'aws:kms' || head.SSEKMSKeyId !== keyArn || head.ContentLength !== source.size)
      return false;
    return hasMarkerTag(await readTags(s3, bucket, source.key), input.tagKey, input.tagValue);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
