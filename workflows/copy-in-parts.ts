import {
  ActivityFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CopyInPartsInput } from './types';
import type { CopyResult, PartCopyResult } from '../common/contract';
import { kmsRequestsPerPart, kmsRequestsToCompleteUpload, kmsRequestsToCreateUpload } from '../common/kms-budget';
import { effectivePartSize, planParts, type PartRange } from '../common/part-plan';
import { s3Activities, withKmsCost } from './activity-proxies';
import { pauseSignal, resumeSignal } from './messages';
import { useBucketAccess } from './bucket-access';

/** Parts copied at once; the next batch starts when this one is done. */
const PARTS_IN_FLIGHT = 8;
/** Up to 10,000 parts, each a task: continue as new long before Temporal's history limits. */
const HISTORY_EVENTS_PER_RUN = 5_000;

/**
 * Re-encrypts one large object: CreateMultipartUpload with its metadata and tags, one UploadPartCopy per range
 * and CompleteMultipartUpload conditional on the source ETag: each a task of the KMS queue (or of the main
 * queue where it costs no KMS request). The workflow remembers the upload and the next part, across crashes
 * and continue-as-new.
 * Any outcome but a completed copy aborts the upload, once no part is in flight, so no parts are ever left
 * behind. The page forwards its pause and resume: while paused, no part starts (those in flight finish).
 */
export async function copyInParts(input: CopyInPartsInput): Promise<CopyResult> {
  useBucketAccess(input.access);
  let paused = input.paused ?? false;
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  const running = () => condition(() => !paused);
  const { copy } = input;
  const { source } = copy;
  const plan = planParts(source.size, effectivePartSize(source.size, copy.partSizeBytes));
  let uploadId = input.uploadId;
  let unmarked = input.unmarked;
  const abort = (id: string) =>
    CancellationScope.nonCancellable(() =>
      s3Activities.abortUpload({ bucket: copy.bucket, key: source.key, uploadId: id }),
    );
  try {
    if (uploadId === undefined) {
      const started = await withKmsCost(kmsRequestsToCreateUpload(copy.bucketKeyEnabled), (copies) =>
        copies.startUpload(copy),
      );
      if (started.status !== 'started') return started;
      uploadId = started.uploadId;
      unmarked = started.unmarked;
    }
    const id = uploadId;
    const copyOne = (part: PartRange): Promise<PartCopyResult> =>
      withKmsCost(kmsRequestsPerPart(source, copy.bucketKeyEnabled), (copies) =>
        copies.copyPart({ bucket: copy.bucket, key: source.key, uploadId: id, etag: source.etag, ...part }),
      );
    for (let next = input.nextPart ?? 1; next <= plan.length; next += PARTS_IN_FLIGHT) {
      await running();
      if (workflowInfo().historyLength > HISTORY_EVENTS_PER_RUN) {
        return await continueAsNew<typeof copyInParts>({ ...input, uploadId: id, nextPart: next, unmarked, paused });
      }
      const outcomes = await allSettled(plan.slice(next - 1, next - 1 + PARTS_IN_FLIGHT).map(copyOne));
      const failed = outcomes.find((outcome) => outcome !== 'copied');
      if (failed !== undefined) {
        await abort(id);
        // Overwritten, or the upload is gone: the page inspects the object again and decides again.
        return failed === 'vanished' ? { status: 'vanished' } : { status: 'changed' };
      }
    }
    await running();
    const result = await withKmsCost(kmsRequestsToCompleteUpload(copy.bucketKeyEnabled), (copies) =>
      copies.completeUpload({ ...copy, uploadId: id, partCount: plan.length }),
    );
    if (result.status !== 'copied') await abort(id);
    return result.status === 'copied' && unmarked !== undefined ? { ...result, unmarked } : result;
  } catch (err) {
    // Retryable errors are retried inside the activities: what arrives here is permanent, or a cancellation.
    if (uploadId !== undefined && (err instanceof ActivityFailure || isCancellation(err))) await abort(uploadId);
    throw err;
  }
}

/**
 * Every part's outcome once none is in flight; the first failure is thrown only then (an abort must not race a part).
 */
async function allSettled<T>(steps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
