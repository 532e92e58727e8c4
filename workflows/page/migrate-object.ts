// One object worked on alone, step by step: HEAD, decide, then update, tag, copy or skip, until it settles.
import { ParentClosePolicy, workflowInfo } from '@temporalio/workflow';
import type { CopyInput, ListedObject, ObjectSnapshot } from '../../common/contract';
import { decide, type Decision } from '../../common/decide';
import {
  kmsRequestsPerCopy,
  kmsRequestsPerPart,
  kmsRequestsPerUpdate,
  kmsRequestsToCompleteUpload,
  kmsRequestsToCreateUpload,
} from '../../common/kms-budget';
import { effectivePartSize, planParts } from '../../common/part-plan';
import { s3Activities, withKmsCost } from '../activity-proxies';
import type { PageInput } from '../types';
import { batchItem } from './batches';
import { ObjectFailed } from './failures';
import type { Gate } from './gate';
import { settleCopy, settleUpdate } from './outcomes';
import type { PageTally } from './page-tally';

/** An object overwritten again and again while we copy it is reported rather than chased forever. */
const MAX_DECISIONS_PER_OBJECT = 5;

/** What an object's steps read and update of its page. */
export interface ObjectContext {
  readonly input: PageInput;
  readonly tally: PageTally;
  readonly gate: Gate;
  /** What a KMS-queue task's result says of the budget in force: the weight batches are formed to from now on. */
  learnWeight(kmsWeight: number | undefined): void;
}

/** What becomes of `look` (the object as listed, now), decided as the plan decides it. */
export function decideFor(input: PageInput, object: ListedObject, look: ObjectSnapshot, update: boolean): Decision {
  const { bucketKeyEnabled, multipartThresholdBytes, copyLocked } = input.options;
  const noncurrent = object.versionId !== undefined;
  return decide(look, {
    keyArn: input.keyArn,
    multipartThresholdBytes,
    update,
    bucketKeyEnabled,
    noncurrent,
    copyLocked,
    now: Date.now(),
  });
}

export function copyInputFor(input: PageInput, source: ObjectSnapshot & { exists: true }): CopyInput {
  const { bucket, bucketKeyEnabled, partSizeBytes, tagKey, tagValue } = input.options;
  return {
    bucket,
    keyArn: input.keyArn,
    bucketKeyEnabled,
    partSizeBytes,
    tagKey,
    tagValue,
    source,
    carryAcl: input.carryAcls,
    versioningSuspended: input.versioningSuspended,
  };
}

/**
 * The checksum algorithm and type come from the listing (HEAD does not ask for checksums: see ListedObject),
 * when the object HEAD found is still the one listed.
 */
export function withListedChecksum<T extends ObjectSnapshot | null>(look: T, listed: ListedObject): T {
  if (!look?.exists || look.checksumAlgorithm || !listed.checksumAlgorithm || look.etag !== listed.etag) return look;
  return { ...look, checksumAlgorithm: listed.checksumAlgorithm, checksumType: listed.checksumType };
}

/** KMS requests a multipart copy makes: the upload's data key, each part, and the completion. */
function kmsRequestsInParts(copy: CopyInput): number {
  const parts = planParts(copy.source.size, effectivePartSize(copy.source.size, copy.partSizeBytes)).length;
  const { bucketKeyEnabled } = copy;
  return (
    kmsRequestsToCreateUpload(bucketKeyEnabled) +
    parts * kmsRequestsPerPart(copy.source, bucketKeyEnabled) +
    kmsRequestsToCompleteUpload(bucketKeyEnabled)
  );
}

/**
 * Migrates one object: HEAD (unless a first look is given), decide, act, and again while it changed under
 * us. Throws ObjectFailed (or the step's failure) when it cannot be migrated.
 */
export async function migrateObject(
  ctx: ObjectContext,
  object: ListedObject,
  firstLook: ObjectSnapshot | null,
  updateAllowed: boolean,
): Promise<void> {
  const { input, tally, gate } = ctx;
  const { options, keyArn } = input;
  const { bucket, tagKey, tagValue, bucketKeyEnabled } = options;
  let update = updateAllowed;
  let known = firstLook;
  for (let round = 1; round <= MAX_DECISIONS_PER_OBJECT; round++) {
    await gate.pass();
    const look = known ?? (await s3Activities.inspectObject({ bucket, key: object.key, versionId: object.versionId }));
    const snapshot = withListedChecksum(look, object);
    known = null; // after a change, look again
    const decision = decideFor(input, object, snapshot, update);
    if (decision.action === 'skip') {
      return tally.skip(
        object.key,
        snapshot.exists ? snapshot.versionId : undefined,
        decision.reason,
        decision.message,
      );
    }
    if (!snapshot.exists) throw new Error('unreachable: a change decided for a missing object');

    await gate.pass();
    if (decision.action === 'ensure-tag') {
      const expect = { etag: snapshot.etag, keyArn };
      const tagged = await s3Activities.ensureTag({
        bucket,
        key: object.key,
        versionId: snapshot.versionId,
        tagKey,
        tagValue,
        expect,
      });
      if (settleUpdate(tally, snapshot, false, tagged) === 'done') return;
      continue; // replaced meanwhile
    }

    if (decision.action === 'update') {
      const cost = kmsRequestsPerUpdate(snapshot, bucketKeyEnabled);
      const { outcomes, kmsWeight } = await withKmsCost(cost, (a) =>
        a.updateObjects({
          bucket,
          keyArn,
          bucketKeyEnabled,
          tagKey,
          tagValue,
          items: [batchItem(snapshot, true, cost, false)],
        }),
      );
      ctx.learnWeight(kmsWeight);
      tally.counts.kmsRequests += cost;
      const settled = settleUpdate(tally, snapshot, true, outcomes[0]!); // one item: always within a task's weight
      if (settled === 'done') return;
      if (settled === 'refused') {
        update = false; // copy it instead
        known = snapshot;
      }
      continue;
    }

    const copyInput = copyInputFor(input, snapshot);
    const cost = decision.multipart ? kmsRequestsInParts(copyInput) : kmsRequestsPerCopy(snapshot, bucketKeyEnabled);
    const copied = decision.multipart
      ? await gate.copyInParts(
          { copy: copyInput, access: input.access },
          {
            workflowId: `${workflowInfo().workflowId}/parts-${input.objects.indexOf(object)}.${round}`,
            parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, // a cancelled copy aborts its upload
            staticSummary: `multipart copy of ${object.key}`,
          },
        )
      : await withKmsCost(cost, (copies) => copies.copyObject(copyInput));
    tally.counts.kmsRequests += cost;
    const settled = settleCopy(tally, snapshot, copied);
    if (settled === 'done') return;
    if (settled === 'annotated') known = { ...snapshot, annotated: true }; // one CopyObject keeps them, or skip
    // else overwritten meanwhile: HEAD again, decide again
  }
  throw new ObjectFailed('ChangedRepeatedly', `overwritten ${MAX_DECISIONS_PER_OBJECT} times while being migrated`);
}
