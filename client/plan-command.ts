import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { planBucket } from '../workflows';
import { TASK_QUEUE } from '../common/types';
import { planWorkflowId } from '../common/workflow-ids';
import { webUiLink, type Connected } from './connect';
import { checkInventory, migratedSinceInventory } from './inventory-check';
import { migrationOptionsFrom, type StartFlags } from './options';
import { DEFAULT_PRICES, estimatePlan, type PlanEstimate } from './plan-estimate';
import type { PlanResult } from '../workflows/plan-bucket';

export type PlanFlags = StartFlags & {
  sample?: string;
  readsPerMonth?: string;
  pricePut?: string;
  priceGet?: string;
  priceKms?: string;
};

const nonNegative = (flag: string) =>
  z.coerce
    .number({ error: `${flag} must be a number` })
    .min(0, `${flag} must not be negative`)
    .optional();
const planFlags = z.object({
  sample: z.coerce
    .number({ error: '--sample must be a number' })
    .int('--sample must be a whole number')
    .min(1, '--sample must be at least 1')
    .optional(),
  readsPerMonth: nonNegative('--reads-per-month'),
  pricePut: nonNegative('--price-put'),
  priceGet: nonNegative('--price-get'),
  priceKms: nonNegative('--price-kms'),
});

/**
 * `migrate plan`: the durable scan (workflow planBucket, resumable like a migration: started again while it
 * runs, it is attached to), then the estimate from what it found. Changes nothing in the bucket.
 */
export async function runPlan(
  connected: Connected,
  flags: PlanFlags,
): Promise<{ plan: PlanResult; estimate: PlanEstimate; workflowId: string }> {
  const options = migrationOptionsFrom(flags);
  const parsed = planFlags.safeParse(flags);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('\n'));
  const f = parsed.data;
  if (options.inventory && f.sample)
    throw new Error('--sample and --inventory: a plan from an inventory reads every row, it samples nothing');
  if (options.inventory) {
    const manifest = await checkInventory(options.inventory, { ...options, plan: true });
    const since = await migratedSinceInventory(connected, options, manifest).catch(() => []);
    if (since.length > 0)
      console.error(
        `note: ${since.join(', ')} ran after the inventory was taken (${manifest.createdAt}): this plan shows ` +
          'the objects as they were then, and a migration from it HEADs every object first',
      );
  }
  const workflowId = planWorkflowId(options.bucket, options.prefix);
  const input = {
    bucket: options.bucket,
    prefix: options.prefix,
    kmsKeyId: options.kmsKeyId,
    sample: f.sample,
    bucketKeyEnabled: options.bucketKeyEnabled,
    multipartThresholdBytes: options.multipartThresholdBytes,
    partSizeBytes: options.partSizeBytes,
    copyLocked: options.copyLocked,
    allVersions: options.allVersions,
    expectedBucketOwner: options.expectedBucketOwner,
    requesterPays: options.requesterPays,
    inventory: options.inventory,
  };
  let handle;
  try {
    handle = await connected.client.workflow.start<typeof planBucket>('planBucket', {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [input],
      memo: { input },
      staticSummary: `Plan re-encrypting s3://${options.bucket}/${options.prefix} under KMS key ${options.kmsKeyId}${f.sample ? ` (sample of ${f.sample})` : ''}`,
    });
    console.error(`planning: ${workflowId} (${webUiLink(connected, workflowId)})`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = connected.client.workflow.getHandle<typeof planBucket>(workflowId);
    // Its answer is for its own key and options: attach only to a plan of the same.
    const running = (await handle.describe()).memo?.input as typeof input | undefined;
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? false) === JSON.stringify(b ?? false); // an option not given is off
    const differs = (Object.keys(input) as (keyof typeof input)[]).filter((k) => !same(running?.[k], input[k]));
    if (differs.length > 0) {
      throw new Error(
        `a plan of s3://${options.bucket}/${options.prefix} is already running (workflow ${workflowId}) with other ${differs.join(', ')}; ` +
          `wait for it (npm run migrate -- plan with its options attaches to it), or cancel it: temporal workflow ` +
          `cancel --workflow-id '${workflowId}'`,
      );
    }
    console.error(`attached to the running plan ${workflowId}`);
  }
  const plan = await handle.result();
  const prices = {
    putPer1000: f.pricePut ?? DEFAULT_PRICES.putPer1000,
    getPer1000: f.priceGet ?? DEFAULT_PRICES.getPer1000,
    kmsPer10000: f.priceKms ?? DEFAULT_PRICES.kmsPer10000,
  };
  const estimate = estimatePlan(plan, {
    bucketKey: options.bucketKeyEnabled,
    budgetRps: options.kmsBudgetRps,
    readsPerMonth: f.readsPerMonth,
    prices,
  });
  return { plan, estimate, workflowId };
}
