import { UpdateObjectEncryptionCommand, type S3Client, type Tag } from '@aws-sdk/client-s3';
import type { BatchItem, BatchOutcome, UpdateObjectsInput } from '../common/contract';
import { hasMarkerTag, mergeMarkerInto, readTags } from './marker-tag';
import { describeError, errorCode, isNotFound } from './s3-errors';
import { runBatch, step, StepFailed } from './batch';

/** The answers with which S3 documents refusing an object (or this endpoint lacks the operation): copy it. */
const REFUSALS = new Set(['InvalidRequest', 'AccessDenied', 'NotImplemented', 'MethodNotAllowed']);

export function updateRequest(input: UpdateObjectsInput, item: BatchItem): UpdateObjectEncryptionCommand {
  return new UpdateObjectEncryptionCommand({
    Bucket: input.bucket,
    Key: item.key,
    VersionId: item.versionId,
    ObjectEncryption: { SSEKMS: { KMSKeyArn: input.keyArn, BucketKeyEnabled: input.bucketKeyEnabled } },
  });
}

/**
 * Re-encrypts one object in place (when asked), then merges the marker tag into that same version. An object
 * known only from its inventory row has its tags read first: the marker already there means a run since the
 * inventory migrated it, and it is looked at again ('changed') instead of updated again.
 */
async function updateAndTag(s3: S3Client, input: UpdateObjectsInput, item: BatchItem): Promise<BatchOutcome> {
  const { bucket, tagKey, tagValue, keyArn } = input;
  let tags: Tag[] | undefined;
  if (item.fromRow) {
    try {
      tags = await readTags(s3, bucket, item.key, item.versionId);
    } catch (err) {
      if (isNotFound(err)) return { status: 'vanished' };
      throw new StepFailed('tag', err);
    }
    if (hasMarkerTag(tags, tagKey, tagValue)) return { status: 'changed' };
  }
  if (item.update) {
    try {
      await s3.send(updateRequest(input, item));
    } catch (err) {
      if (isNotFound(err)) return { status: 'vanished' };
      if (!REFUSALS.has(errorCode(err))) throw new StepFailed('update', err);
      return { status: 'refused', code: errorCode(err), message: describeError(err, `update ${item.key}`) };
    }
  }
  const expect = item.etag === undefined ? undefined : { etag: item.etag, keyArn };
  const marker = { bucket, key: item.key, versionId: item.versionId, tagKey, tagValue, expect };
  const tagged = await step('tag', () => mergeMarkerInto(s3, marker, { tagCount: item.tagCount, tags }));
  if (tagged.status === 'too-many-tags' || tagged.status === 'vanished' || tagged.status === 'changed') return tagged;
  return { status: item.update ? 'updated' : tagged.status };
}

/**
 * A batch of objects in one activity (activities/batch.ts): each is updated to the key (UpdateObjectEncryption,
 * no data moved) or only tagged, with its outcome in the result.
 */
export function updateObjects(
  s3: S3Client,
  input: UpdateObjectsInput,
  kmsRequests?: number,
): Promise<(BatchOutcome | null)[]> {
  const allowance = kmsRequests === undefined ? undefined : { kmsRequests, cost: (item: BatchItem) => item.kmsCost };
  return runBatch(
    input.items,
    (item) => item.key,
    (item) => updateAndTag(s3, input, item),
    allowance,
  );
}
