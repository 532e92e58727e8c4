import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { emptyTally, tallyObject, type ObjectContext, type PlanTally } from '../common/plan-model';
import type { Cursor, ListPageInput } from '../common/contract';
import { decide, type DecideOptions } from '../common/decide'; // pure: the plan decides each object exactly as a migration would
import { inspectObjects } from './inspect-object';
import { listPage } from './list-page';

/** What a plan decides each object by, as a migration with these options would. */
export interface PlanDecisionContext {
  keyArn: string;
  update: boolean;
  aclsInForce: boolean;
  bucketKeyEnabled: boolean;
  multipartThresholdBytes: number;
  partSizeBytes: number;
  copyLocked?: boolean;
}

/** What `decide` and `tallyObject` take for one plan, the same for a listing's survey and an inventory's. */
export function planDecision(
  input: PlanDecisionContext & { versioned: boolean },
  now: number,
): { options: DecideOptions; ctx: ObjectContext } {
  const { keyArn, multipartThresholdBytes, update, bucketKeyEnabled, copyLocked } = input;
  return {
    options: { keyArn, multipartThresholdBytes, update, bucketKeyEnabled, copyLocked, now },
    ctx: {
      keyArn,
      versioned: input.versioned,
      aclsInForce: input.aclsInForce,
      partSizeBytes: input.partSizeBytes,
      now,
    },
  };
}

export interface SurveyPageInput extends PlanDecisionContext {
  bucket: string;
  prefix: string;
  versioned: boolean;
  after: Cursor;
  /** Share of the listed objects to HEAD (1: all), chosen by a hash of the key: spread over the whole key space. */
  sampleRate: number;
  /** --all-versions: noncurrent versions are listed, inspected and decided too, as the migration would. */
  allVersions?: boolean;
}

export interface SurveyPageResult {
  tally: PlanTally;
  next: Cursor;
  done: boolean;
}

/** The key's SHA-1 as a fraction: the same keys are sampled on every run and retry, spread over the key space. */
export function sampled(key: string, rate: number): boolean {
  if (rate >= 1) return true;
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 2 ** 32 < rate;
}

const listInput = (input: {
  bucket: string;
  prefix: string;
  versioned: boolean;
  allVersions?: boolean;
  after: Cursor;
}): ListPageInput => ({
  bucket: input.bucket,
  prefix: input.prefix,
  versioned: input.versioned,
  allVersions: input.allVersions,
  after: input.after,
  maxKeys: 1000,
});

function countedPage(page: { objects: { size: number }[]; olderVersions: number }): PlanTally {
  const tally = emptyTally();
  tally.listed = { objects: page.objects.length, bytes: page.objects.reduce((sum, o) => sum + o.size, 0) };
  tally.olderVersions = page.olderVersions;
  tally.requests.ListObjects = 1;
  return tally;
}

/** One listing page, counted only: how many objects a sample is taken from. */
export async function countPage(s3: S3Client, input: Omit<SurveyPageInput, 'sampleRate'>): Promise<SurveyPageResult> {
  const page = await listPage(s3, listInput(input));
  return { tally: countedPage(page), next: page.next, done: page.done };
}

/**
 * One listing page for the plan: every object counted, the sampled ones HEADed (batched, as a migration's first
 * look) and decided as a migration would decide them, with the requests that decision costs. Changes nothing.
 */
export async function surveyPage(s3: S3Client, input: SurveyPageInput): Promise<SurveyPageResult> {
  const page = await listPage(s3, listInput(input));
  const tally = countedPage(page);
  const chosen = page.objects.filter((o) =>
    sampled(o.versionId ? `${o.key}\u0000${o.versionId}` : o.key, input.sampleRate),
  );
  const versionIds = chosen.some((o) => o.versionId) ? chosen.map((o) => o.versionId) : undefined;
  const snapshots = await inspectObjects(s3, { bucket: input.bucket, keys: chosen.map((o) => o.key), versionIds });
  const { options, ctx } = planDecision(input, Date.now());
  snapshots.forEach((snapshot, i) => {
    if (snapshot !== null)
      return tallyObject(
        tally,
        snapshot,
        decide(snapshot, { ...options, noncurrent: chosen[i].versionId !== undefined }),
        ctx,
      );
    tally.surveyed++;
    const failed = (tally.byAction['HEAD failed'] ??= { objects: 0, bytes: 0 });
    failed.objects++;
    failed.bytes += chosen[i].size;
  });
  return { tally, next: page.next, done: page.done };
}
