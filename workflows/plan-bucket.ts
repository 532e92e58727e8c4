import { continueAsNew, setCurrentDetails } from '@temporalio/workflow';
import { addTally, emptyTally, type PlanTally } from '../common/plan-model';
import type { Cursor, PreflightResult } from '../common/contract';
import { planActivities, preflightActivity } from './activity-proxies';
import { useBucketAccess } from './bucket-access';

export interface PlanInput {
  bucket: string;
  prefix: string;
  kmsKeyId: string;
  /** HEAD about this many objects, chosen by key hash over the whole listing, and scale; absent: HEAD them all. */
  sample?: number;
  bucketKeyEnabled: boolean;
  multipartThresholdBytes: number;
  partSizeBytes: number;
  copyLocked?: boolean;
  /** Versioned buckets: the noncurrent versions are decided too, as --all-versions migrates them. */
  allVersions?: boolean;
  expectedBucketOwner?: string;
  requesterPays?: boolean;
  /** Carried into continue-as-new. */
  state?: PlanState;
}

export interface PlanState {
  preflight: PreflightResult;
  phase: 'count' | 'survey';
  cursor: Cursor;
  /** Objects listed by the counting pass (a sample's denominator). */
  total?: number;
  tally: PlanTally;
}

export interface PlanResult {
  bucket: string;
  prefix: string;
  keyArn: string;
  versioning: PreflightResult['versioning'];
  updateAvailable: boolean;
  aclsInForce: boolean;
  /** Share of the listed objects that were HEADed (1: all). */
  sampleRate: number;
  copyLocked: boolean;
  allVersions: boolean;
  tally: PlanTally;
}

/** Listing pages per run before continuing as new: two events each, far below any history limit. */
const PAGES_PER_RUN = 500;

/**
 * The plan's durable scan: preflight, then (for a sample) a counting pass over the listing, then a survey pass
 * that HEADs the sampled objects and decides each as a migration would. Changes nothing in the bucket; resumes
 * where it was after a crash; continues as new every few hundred pages, so a bucket of any size can be planned.
 */
export async function planBucket(input: PlanInput): Promise<PlanResult> {
  const preflight =
    input.state?.preflight ??
    (await preflightActivity({
      bucket: input.bucket,
      prefix: input.prefix,
      kmsKeyId: input.kmsKeyId,
      engine: 'auto',
      expectedBucketOwner: input.expectedBucketOwner,
      requesterPays: input.requesterPays,
    }));
  useBucketAccess({ bucket: input.bucket, owner: preflight.owner, requesterPays: input.requesterPays });
  const s: PlanState = input.state ?? {
    preflight,
    phase: input.sample ? 'count' : 'survey',
    cursor: {},
    tally: emptyTally(),
  };
  const versioned = preflight.versioning !== 'Disabled';
  const listing = { bucket: input.bucket, prefix: input.prefix, versioned, allVersions: input.allVersions };
  const context = {
    keyArn: preflight.keyArn,
    update: preflight.update?.available ?? false,
    aclsInForce: preflight.acls ?? false,
    bucketKeyEnabled: input.bucketKeyEnabled,
    multipartThresholdBytes: input.multipartThresholdBytes,
    partSizeBytes: input.partSizeBytes,
    copyLocked: input.copyLocked,
  };
  const sampleRate = () => (input.sample && s.total ? Math.min(1, input.sample / s.total) : 1);

  for (let pages = 0; ; pages++) {
    if (pages >= PAGES_PER_RUN) await continueAsNew<typeof planBucket>({ ...input, state: s });
    if (s.phase === 'count') {
      const page = await planActivities.countPage({ ...listing, ...context, after: s.cursor });
      s.total = (s.total ?? 0) + page.tally.listed.objects;
      s.cursor = page.done ? {} : page.next;
      if (page.done) s.phase = 'survey';
      setCurrentDetails(`**Counting**: ${s.total} objects listed`);
      continue;
    }
    const page = await planActivities.surveyPage({ ...listing, ...context, after: s.cursor, sampleRate: sampleRate() });
    addTally(s.tally, page.tally);
    s.cursor = page.next;
    setCurrentDetails(`**Surveying**: ${s.tally.listed.objects} objects listed, ${s.tally.surveyed} inspected`);
    if (page.done) break;
  }
  return {
    bucket: input.bucket,
    prefix: input.prefix,
    keyArn: preflight.keyArn,
    versioning: preflight.versioning,
    updateAvailable: preflight.update?.available ?? false,
    aclsInForce: preflight.acls ?? false,
    sampleRate: sampleRate(),
    copyLocked: input.copyLocked ?? false,
    allVersions: input.allVersions ?? false,
    tally: s.tally,
  };
}
