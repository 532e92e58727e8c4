import { kmsQueueRate, kmsTaskWeight, type TaskLimits } from '../common/kms-budget';
import { setKmsQueueRate as setRate } from '../common/kms-queue-rate';
import type { Connected } from './connect';

/** Sets the KMS task queue's rate (tasks per second) from the client. */
export async function setKmsQueueRate(connected: Connected, rps: number, reason: string): Promise<void> {
  await setRate(connected.client.connection.workflowService, connected.namespace, rps, reason);
}

/** How the KMS queue dispatches at a budget, for the operator. */
export function describeKmsQueue(budgetRps: number, limits: TaskLimits): string {
  const [rate, weight] = [kmsQueueRate(budgetRps, limits), kmsTaskWeight(budgetRps, limits)];
  const share = Math.round(((rate * weight) / budgetRps) * 100);
  return (
    `KMS-queue tasks of up to ${weight} requests each, dispatched at ${rate}/s for all workers together ` +
    `(${share}% of the budget on average, at most 110% of it in any 5 seconds)`
  );
}
