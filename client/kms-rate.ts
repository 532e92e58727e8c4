import { setKmsQueueRate as setRate } from '../common/kms-queue-rate';
import type { Connected } from './connect';

/** Sets the KMS task queue's rate (tasks per second) from the client. */
export async function setKmsQueueRate(connected: Connected, rps: number, reason: string): Promise<void> {
  await setRate(connected.client.connection.workflowService, connected.namespace, rps, reason);
}
