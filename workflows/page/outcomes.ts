// What each outcome of an S3 step means for the object and the page's counts: the one place outcomes settle.
import type { BatchOutcome, CopyResult, FailedOutcome, ObjectSnapshot } from '../../common/contract';
import { ObjectFailed } from './failures';
import type { PageTally } from './page-tally';

export type Found = Extract<ObjectSnapshot, { exists: true }>;

const NULL_VERSION_KEPT =
  "not copied: versioning is suspended, and the copy would replace this key's older null version; enable " +
  'versioning again to migrate it';

/**
 * Counts the outcome of an update in place (`inPlace`) or of tagging alone. Returns 'refused' when S3 would
 * not update the object (it is then copied), 'changed' when another writer replaced it meanwhile (look again
 * and decide again), and throws ObjectFailed for a permanent error of that object.
 */
export function settleUpdate(
  tally: PageTally,
  object: Found,
  inPlace: boolean,
  outcome: BatchOutcome,
): 'done' | 'refused' | 'changed' {
  switch (outcome.status) {
    case 'updated':
      tally.migrated(object.size, true);
      return 'done';
    case 'tagged':
    case 'already-tagged':
      tally.counts.alreadyDone++;
      return 'done';
    case 'vanished':
      tally.skip(object.key, object.versionId, 'vanished', `deleted while being ${inPlace ? 'updated' : 'tagged'}`);
      return 'done';
    case 'too-many-tags': // under the key all the same: no room for the marker beside its 10 tags
      if (inPlace) tally.migrated(object.size, true);
      else tally.counts.alreadyDone++;
      tally.counts.unmarked++;
      return 'done';
    case 'refused':
      tally.counts.refused[outcome.code] = (tally.counts.refused[outcome.code] ?? 0) + 1;
      return 'refused';
    case 'changed':
      tally.counts.rechecked++;
      return 'changed';
    case 'failed':
      throw new ObjectFailed(outcome.code, outcome.message);
  }
}

/**
 * Counts a copy's outcome; 'changed' means: look again and decide again; 'annotated': decide again, knowing
 * the object has annotations. Throws ObjectFailed.
 */
export function settleCopy(
  tally: PageTally,
  object: Found,
  outcome: CopyResult | FailedOutcome,
): 'done' | 'changed' | 'annotated' {
  switch (outcome.status) {
    case 'copied':
      tally.migrated(outcome.bytes, false);
      if (outcome.unmarked !== undefined) tally.counts.unmarked++;
      return 'done';
    case 'vanished':
      tally.skip(object.key, object.versionId, 'vanished', 'deleted while being copied');
      return 'done';
    case 'null-version-kept':
      tally.skip(object.key, object.versionId, 'null-version-kept', NULL_VERSION_KEPT);
      return 'done';
    case 'changed':
      tally.counts.rechecked++;
      return 'changed';
    case 'annotated':
      return 'annotated';
    case 'failed':
      throw new ObjectFailed(outcome.code, outcome.message);
  }
}
