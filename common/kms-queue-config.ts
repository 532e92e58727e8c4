import { temporal } from '@temporalio/proto';
import type { KmsQueuePlan } from './kms-budget';
import { KMS_TASK_QUEUE } from './types';

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;
const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;

/**
 * The KMS budget lives in one place: the KMS task queue's configuration in Temporal. One UpdateTaskQueueConfig
 * call sets the queue's dispatch rate (tasks per second, enforced by the server for all workers together) and,
 * in the same record's reason, the budget and the weight every task of the queue stands for, which the
 * KMS-costing activities read when they start. Rate and weight can therefore never disagree.
 */
const RECORD = /^s3-kms-migrator budget=([0-9.]+) weight=(\d+) partitions=(\d+)/;

export function budgetRecord(plan: KmsQueuePlan, setBy: string): string {
  return `s3-kms-migrator budget=${plan.budgetRps} weight=${plan.weight} partitions=${plan.partitions} set by ${setBy}`.slice(
    0,
    200,
  );
}

export interface KmsBudgetInForce extends KmsQueuePlan {
  setBy: string;
  setAt?: Date;
}

/** The budget a record names, or undefined if the queue's rate was set by something else. */
export function parseBudgetRecord(reason: string, tasksPerSecond: number): Omit<KmsBudgetInForce, 'setAt'> | undefined {
  const match = RECORD.exec(reason);
  if (!match) return undefined;
  const setBy = reason.slice(match[0].length).replace(/^ set by /, '');
  return { budgetRps: Number(match[1]), weight: Number(match[2]), partitions: Number(match[3]), tasksPerSecond, setBy };
}

/** Sets the KMS budget for every migration of the namespace: the queue's rate and its weight, in one call. */
export async function writeKmsBudget(
  service: WorkflowService,
  namespace: string,
  plan: KmsQueuePlan,
  setBy: string,
): Promise<void> {
  await service.updateTaskQueueConfig({
    namespace,
    identity: 's3-kms-migrator',
    taskQueue: KMS_TASK_QUEUE,
    taskQueueType: ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: plan.tasksPerSecond }, reason: budgetRecord(plan, setBy) },
  });
}

/** The KMS budget in force, or undefined when none was set (or the queue's rate was set by hand). */
export async function readKmsBudget(
  service: WorkflowService,
  namespace: string,
): Promise<KmsBudgetInForce | undefined> {
  const described = await service.describeTaskQueue({
    namespace,
    taskQueue: { name: KMS_TASK_QUEUE },
    taskQueueType: ACTIVITY,
    reportConfig: true,
  });
  const limit = described.config?.queueRateLimit;
  const record = limit?.metadata?.reason
    ? parseBudgetRecord(limit.metadata.reason, limit.rateLimit?.requestsPerSecond ?? 0)
    : undefined;
  if (!record) return undefined;
  const seconds = limit?.metadata?.updateTime?.seconds;
  return { ...record, setAt: seconds == null ? undefined : new Date(Number(seconds) * 1000) };
}

/** Partitions probed: Temporal's default is 4; a cluster may have set more. */
const MOST_PARTITIONS = 16;

/**
 * How many partitions the KMS queue has, as seen from the workers' polls: Temporal spreads each poll over the
 * queue's read partitions (partition k > 0 is named /_sys/<queue>/k) and remembers its pollers for minutes.
 * Undefined while no worker polls the queue.
 */
export async function detectKmsQueuePartitions(
  service: WorkflowService,
  namespace: string,
): Promise<number | undefined> {
  const names = Array.from({ length: MOST_PARTITIONS }, (_, k) =>
    k === 0 ? KMS_TASK_QUEUE : `/_sys/${KMS_TASK_QUEUE}/${k}`,
  );
  const polled = await Promise.all(
    names.map(async (name, k) => {
      const described = await service.describeTaskQueue({
        namespace,
        taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: ACTIVITY,
      });
      return described.pollers.length > 0 ? k : -1;
    }),
  );
  const highest = Math.max(...polled);
  return highest < 0 ? undefined : highest + 1;
}
