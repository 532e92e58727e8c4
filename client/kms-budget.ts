import { KmsBudgetTooLow, planKmsQueue, plannedKmsRps, type KmsQueuePlan } from '../common/kms-budget';
import {
  detectKmsQueuePartitions,
  readKmsBudget,
  writeKmsBudget,
  type KmsBudgetInForce,
} from '../common/kms-queue-config';
import { KMS_TASK_QUEUE } from '../common/types';
import { kmsBudgetSignal } from '../workflows/messages';
import type { Connected } from './connect';
import { runningMigrationIds } from './list-migrations';

/** Temporal's default partitions per task queue: assumed while no worker polls the KMS queue to tell. */
const DEFAULT_PARTITIONS = 4;

/** The budget could not be set: nothing was changed. */
export class BudgetNotSet extends Error {}

/**
 * Sets the one KMS budget of the namespace: every running migration follows it within a task (their
 * KMS-costing activities read the weight when they start), and the queue's rate from the same record. The
 * rate is computed for the queue's partitions as the workers' polls show them. Running migrations are told
 * the budget too, for their status and the Web UI.
 */
export async function setKmsBudget(
  connected: Connected,
  budgetRps: number,
  setBy: string,
): Promise<{ plan: KmsQueuePlan; notes: string[] }> {
  const service = connected.client.connection.workflowService;
  const notes: string[] = [];
  let detected: number | undefined;
  let previous: KmsBudgetInForce | undefined;
  try {
    [detected, previous] = await Promise.all([
      detectKmsQueuePartitions(service, connected.namespace),
      readKmsBudget(service, connected.namespace),
    ]);
  } catch (err) {
    throw new BudgetNotSet(
      `could not read task queue ${KMS_TASK_QUEUE} (DescribeTaskQueue): ${(err as Error).message}`,
    );
  }
  // While no worker polls the queue, the partitions the budget in force was computed for, else Temporal's default.
  const partitions = detected ?? previous?.partitions ?? DEFAULT_PARTITIONS;
  let plan: KmsQueuePlan;
  try {
    plan = planKmsQueue(budgetRps, partitions);
  } catch (err) {
    if (err instanceof KmsBudgetTooLow) throw new BudgetNotSet(err.message);
    throw err;
  }
  if (detected === undefined)
    notes.push(
      `no worker polls task queue ${KMS_TASK_QUEUE} yet: the rate assumes ${partitions} partition(s); run set-rate ` +
        `again once the workers run`,
    );
  if (partitions > 1) notes.push(partitionNote(partitions));
  try {
    await writeKmsBudget(service, connected.namespace, plan, setBy);
  } catch (err) {
    throw new BudgetNotSet(
      `could not set the KMS budget (UpdateTaskQueueConfig on task queue ${KMS_TASK_QUEUE}): ${(err as Error).message}`,
    );
  }
  const running = await runningMigrationIds(connected);
  await Promise.all(
    running.map((id) =>
      connected.client.workflow
        .getHandle(id)
        .signal(kmsBudgetSignal, budgetRps)
        .catch(() => undefined),
    ),
  );
  return { plan, notes };
}

function partitionNote(partitions: number): string {
  return (
    `the KMS task queue ${KMS_TASK_QUEUE} has ${partitions} partitions: the rate allows for ` +
    `${partitions} bursts, so it runs below the budget; give it one partition to use the whole budget ` +
    `(docs/kms-budget.md)`
  );
}

export async function kmsBudgetInForce(connected: Connected): Promise<KmsBudgetInForce | undefined> {
  return readKmsBudget(connected.client.connection.workflowService, connected.namespace);
}

/** How the KMS queue dispatches at a plan, for the operator. */
export function describeKmsQueue(plan: KmsQueuePlan): string {
  const share = Math.round((plannedKmsRps(plan) / plan.budgetRps) * 100);
  const partitions = plan.partitions === 1 ? '' : ` over ${plan.partitions} partitions`;
  return (
    `KMS-queue tasks of up to ${plan.weight} requests each, dispatched at ${plan.tasksPerSecond}/s for all workers ` +
    `and all running migrations together${partitions} (${share}% of the budget on average, at most 110% of it in any ` +
    `5 seconds)`
  );
}
