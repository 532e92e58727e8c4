import { Context } from '@temporalio/activity';

/** How often a long S3 call reports it is alive; the workflow's heartbeat timeout is a few times this. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * Heartbeats while `work` runs, so a worker that dies mid-call is noticed within the heartbeat timeout
 * (not the call's whole start-to-close timeout) and the activity is retried elsewhere.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details?.()), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
