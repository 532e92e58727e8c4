import { continueAsNew, setCurrentDetails } from '@temporalio/workflow';
import { addTally, emptyTally, type PlanTally } from '../common/plan-model';
import type { Cursor, PreflightResult } from '../common/contract';
import { inventoryActivities, planActivities, preflightActivity } from './activity-proxies';
import type { SurveyInventoryInput } from '../activities/inventory/survey-inventory';
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
  /** s3://…/manifest.json of an S3 Inventory report: its rows are decided instead of listing and HEADing. */
  inventory?: string;
  /** Carried into continue-as-new. */
  state?: PlanState;
}

export interface PlanState {
  preflight: PreflightResult;
  phase: 'count' | 'survey' | 'inventory';
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
  /** Planned from this inventory (the rows as S3 found them then), not from a listing. */
  inventory?: { url: string; createdAt: string; files: number };
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
    phase: input.inventory ? 'inventory' : input.sample ? 'count' : 'survey',
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

  if (input.inventory) {
    const inventory = await surveyInventory(input, input.inventory, s, context);
    return { ...resultOf(input, preflight, 1, s.tally), inventory };
  }
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
  return resultOf(input, preflight, sampleRate(), s.tally);
}

function resultOf(input: PlanInput, preflight: PreflightResult, sampleRate: number, tally: PlanTally): PlanResult {
  return {
    bucket: input.bucket,
    prefix: input.prefix,
    keyArn: preflight.keyArn,
    versioning: preflight.versioning,
    updateAvailable: preflight.update?.available ?? false,
    aclsInForce: preflight.acls ?? false,
    sampleRate,
    copyLocked: input.copyLocked ?? false,
    allVersions: input.allVersions ?? false,
    tally,
  };
}

/** Inventory data files surveyed at once (each an activity reading a file of up to millions of rows). */
const FILES_AT_ONCE = 4;

/** Groups of files per run before continuing as new: about 15 events per group, far below any history limit. */
const FILE_GROUPS_PER_RUN = 200;

/**
 * A plan from an inventory: every data file's rows decided by an activity, a few files at once; the cursor is the
 * next file, so a crash repeats at most the files that were being read.
 */
async function surveyInventory(
  input: PlanInput,
  inventory: string,
  s: PlanState,
  context: Omit<SurveyInventoryInput, 'inventory' | 'file' | 'bucket' | 'prefix' | 'versioned' | 'now'>,
): Promise<NonNullable<PlanResult['inventory']>> {
  const scope = { inventory, bucket: input.bucket, allVersions: input.allVersions };
  const { files, createdAt } = await planActivities.inventoryFiles(scope);
  const versioned = s.preflight.versioning !== 'Disabled';
  const now = Date.now();
  for (let groups = 0; (s.cursor.file ?? 0) < files; groups++) {
    if (groups >= FILE_GROUPS_PER_RUN) await continueAsNew<typeof planBucket>({ ...input, state: s });
    const first = s.cursor.file ?? 0;
    const batch = Array.from({ length: Math.min(FILES_AT_ONCE, files - first) }, (_, i) => first + i);
    const tallies = await Promise.all(
      batch.map((file) =>
        inventoryActivities.surveyInventoryFile({ ...scope, ...context, prefix: input.prefix, file, versioned, now }),
      ),
    );
    tallies.forEach((tally) => addTally(s.tally, tally));
    s.cursor = { file: first + batch.length };
    setCurrentDetails(
      `**Reading the inventory**: ${s.cursor.file} of ${files} files, ${s.tally.listed.objects} objects`,
    );
  }
  return { url: inventory, createdAt, files };
}
