// A plan from an S3 Inventory report: every row of one data file decided as a migration would, no S3 request
// per object.
import type { S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { decide } from '../../common/decide';
import { planDecision, type PlanDecisionContext } from '../survey-page';
import { emptyTally, tallyObject, type PlanTally } from '../../common/plan-model';
import { lookFromRow, manifestOf } from './inventory-page';
import { checkInventoryFits } from './manifest';
import { readRows } from './read-rows';
import { listedFromRow, snapshotFromRow } from './row';

export interface SurveyInventoryInput extends PlanDecisionContext {
  inventory: string;
  /** The data file, by its place in the manifest. */
  file: number;
  bucket: string;
  prefix: string;
  allVersions?: boolean;
  versioned: boolean;
  /** Epoch ms the plan decides at (a retention over by then protects nothing). */
  now: number;
}

/** How many data files the manifest lists, and when S3 took the inventory, checked against what was asked. */
export async function inventoryFiles(
  s3: S3Client,
  input: { inventory: string; bucket: string; allVersions?: boolean },
): Promise<{ files: number; createdAt: string }> {
  try {
    const manifest = await manifestOf(s3, input.inventory);
    checkInventoryFits(manifest, { ...input, plan: true });
    return { files: manifest.files.length, createdAt: manifest.createdAt };
  } catch (err) {
    throw ApplicationFailure.create({ type: 'InventoryUnusable', nonRetryable: true, message: (err as Error).message });
  }
}

/**
 * Every row of one data file in the prefix, counted and decided from the row alone, as a HEAD-based plan
 * decides: the states as the inventory gives them, and SSE-KMS rows (whose key an inventory never names) as
 * updated, the most they can cost. `progress` is the rows read so far, for the heartbeat.
 */
export async function surveyInventoryFile(
  s3: S3Client,
  input: SurveyInventoryInput,
  progress: { rows: number } = { rows: 0 },
): Promise<PlanTally> {
  const manifest = await manifestOf(s3, input.inventory);
  const tally = emptyTally();
  const { options, ctx } = planDecision(input, input.now);
  for await (const row of readRows(s3, manifest, input.file)) {
    progress.rows++;
    const taken = listedFromRow(row, input);
    if (taken.kind === 'older') tally.olderVersions++;
    if (taken.kind !== 'object') continue;
    tally.listed.objects++;
    tally.listed.bytes += taken.object.size;
    const snapshot = snapshotFromRow(row);
    const noncurrent = taken.object.versionId !== undefined;
    const decision = decide(snapshot, { ...options, noncurrent });
    tallyObject(tally, snapshot, decision, ctx);
    // The migration updates such an object without a HEAD first (inventory-page.ts, lookFromRow).
    if (decision.action === 'update' && lookFromRow(row, input.versioned)) tally.requests.HeadObject! -= 1;
  }
  return tally;
}
