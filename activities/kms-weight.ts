import { Context } from '@temporalio/activity';
import { KMS_WEIGHT_FLOOR } from '../common/kms-budget';
import { readKmsBudget } from '../common/kms-queue-config';

/** Reads the KMS requests each task of the KMS queue stands for now. */
export type KmsWeightSource = () => Promise<number>;

/**
 * The weight in force, from the KMS queue's own record (common/kms-queue-config.ts), read when a batch
 * starts: a budget lowered while the batch waited in the queue already applies to it. Without a record (the
 * queue's rate was set by hand), a task stands for the fewest requests any task can: KMS_WEIGHT_FLOOR.
 */
export const kmsWeightFromTemporal: KmsWeightSource = async () => {
  const { client, info, log } = Context.current();
  const budget = await readKmsBudget(client.workflowService, info.namespace);
  if (budget) return budget.weight;
  log.warn(
    `the KMS queue's rate carries no s3-kms-migrator budget: each task does at most ${KMS_WEIGHT_FLOOR} KMS requests`,
  );
  return KMS_WEIGHT_FLOOR;
};
