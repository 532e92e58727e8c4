import { UpdateObjectEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { forEachConcurrently } from '../common/concurrently';
import type { BatchItem, BatchOutcome, UpdateObjectsInput } from '../common/types';
import { mergeMarkerInto } from './ensure-tag';
import { describeError, errorCode, isNotFound, isRetryable, rethrowForTemporal } from './s3-errors';

/** Objects of a batch worked on at once (each makes two or three S3 requests in a row). */
const OBJECTS_IN_PARALLEL = 32;
/** Outcomes go into a heartbeat at most this often (each heartbeat serializes all of them), and at the end. */
const HEARTBEAT_EVERY_MS = 1_000;

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
 * Re-encrypts one object in place (when asked), then merges the marker tag into that same version.
 * A permanent error is the object's outcome, named by the step that met it; a retryable one is thrown.
 */
async function updateAndTag(s3: S3Client, input: UpdateObjectsInput, item: BatchItem): Promise<BatchOutcome> {
  let step = 'update';
  try {
    if (item.update) {
      try {
        await s3.send(updateRequest(input, item));
      } catch (err) {
        if (isNotFound(err)) return { status: 'vanished' };
        if (!REFUSALS.has(errorCode(err))) throw err;
        return { status: 'refused', code: errorCode(err), message: describeError(err, `update ${item.key}`) };
      }
    }
    step = 'tag';
    const { bucket, tagKey, tagValue } = input;
    const tagged = await mergeMarkerInto(s3, { bucket, key: item.key, versionId: item.versionId, tagKey, tagValue }, item.tagCount);
    if (tagged.status === 'too-many-tags' || tagged.status === 'vanished') return tagged;
    return { status: item.update ? 'updated' : tagged.status };
  } catch (err) {
    if (isRetryable(err)) throw err;
    return { status: 'failed', code: errorCode(err), message: describeError(err, `${step} ${item.key}`) };
  }
}

/**
 * A batch of objects in one activity: each is updated to the key (UpdateObjectEncryption, no data moved)
 * or only tagged, concurrently, with its outcome in the result. Finished objects' outcomes go into the
 * heartbeat (every second and at the end), so an attempt retried after a throttled object continues with the
 * rest, and one retried after a crash repeats at most the last second's updates (harmless: an update to the
 * key it already has); no object is counted twice. Permanent errors of one object are its outcome; retryable ones retry
 * the batch (after the others are done).
 */
export async function updateObjects(s3: S3Client, input: UpdateObjectsInput): Promise<BatchOutcome[]> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as (BatchOutcome | null)[] | undefined;
  const outcomes: (BatchOutcome | null)[] =
    previous?.length === input.items.length ? [...previous] : new Array(input.items.length).fill(null);
  const todo = outcomes.flatMap((outcome, i) => (outcome === null ? [i] : []));
  let retryable: unknown;
  let lastHeartbeat = Date.now();
  await forEachConcurrently(todo, OBJECTS_IN_PARALLEL, async (i) => {
    const item = input.items[i];
    try {
      outcomes[i] = await updateAndTag(s3, input, item);
      if (Date.now() - lastHeartbeat >= HEARTBEAT_EVERY_MS) {
        lastHeartbeat = Date.now();
        ctx.heartbeat([...outcomes]);
      }
    } catch (err) {
      retryable ??= err;
    }
  });
  ctx.heartbeat([...outcomes]);
  if (retryable !== undefined) {
    const left = outcomes.filter((o) => o === null).length;
    rethrowForTemporal(retryable, `${left} of ${input.items.length} objects of the batch left`);
  }
  return outcomes as BatchOutcome[];
}
