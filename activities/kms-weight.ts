import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { KMS_WEIGHT_FLOOR } from '../common/kms-budget';
import { readKmsBudget } from '../common/kms-queue-config';

/** Reads the KMS requests each task of the KMS queue stands for now. */
export type KmsWeightSource = () => Promise<number>;

/**
 * Spaces the KMS-queue tasks one worker process starts at the queue's rate, one task ahead at most. Temporal
 * keeps the rate for all workers together, but after its services or a worker restart it can hand a worker
 * several tasks at once, paid for over the seconds before: spent together, they would crowd one window of the
 * budget. In steady running each worker receives its tasks about that fast anyway: it waits rarely, and less
 * than one task's interval.
 */
export class TaskPacer {
  private next = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  /** Resolves when this process may start its next task at `tasksPerSecond`. */
  async turn(tasksPerSecond: number): Promise<void> {
    if (!(tasksPerSecond > 0)) return;
    const now = this.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / tasksPerSecond;
    if (at > now) await this.wait(at - now);
  }
}

const pacer = new TaskPacer();

/**
 * The weight in force, from the KMS queue's own record (common/kms-queue-config.ts), read when a batch
 * starts: a budget lowered while the batch waited in the queue already applies to it. It returns once this
 * process's pace at the queue's rate allows the batch to start (TaskPacer). Without a record (the queue's rate
 * was set by hand), a task stands for the fewest requests any task can: KMS_WEIGHT_FLOOR.
 */
export const kmsWeightFromTemporal: KmsWeightSource = async () => {
  const { client, info, log } = Context.current();
  const budget = await readKmsBudget(client.workflowService, info.namespace);
  if (budget) {
    await pacer.turn(budget.tasksPerSecond);
    return budget.weight;
  }
  log.warn(
    `the KMS queue's rate carries no s3-kms-migrator budget: each task does at most ${KMS_WEIGHT_FLOOR} KMS requests`,
  );
  return KMS_WEIGHT_FLOOR;
};
