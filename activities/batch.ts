import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { forEachConcurrently } from '../common/concurrently';
import type { FailedOutcome } from '../common/contract';
import { describeError, errorCode, isRetryable, rethrowForTemporal } from './s3-errors';

/** Objects of a batch worked on at once (each makes a few S3 requests in a row). */
const OBJECTS_IN_PARALLEL = 32;
/** Outcomes so far go into a heartbeat this often, and at the end. */
const HEARTBEAT_EVERY_MS = 1_000;

/** An error met by one step of an item's work: names the step in the item's outcome. */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly error: unknown,
  ) {
    super(step);
  }
}

/** Runs one step of an item's work, so that a permanent error says which step met it. */
export async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new StepFailed(name, err);
  }
}

/** What this attempt of a batch may spend: the KMS requests its task paid for, and what each item costs. */
export interface Allowance<I> {
  kmsRequests: number;
  cost: (item: I) => number;
}

/**
 * The items this attempt works on: those not done by an earlier attempt, in order, as many as the allowance
 * pays for (at least one: no step costs more than a task's weight).
 */
function paidFor<I>(items: I[], todo: number[], allowance: Allowance<I> | undefined): number[] {
  if (!allowance) return todo;
  let spent = 0;
  let n = 0;
  for (const i of todo) {
    spent += allowance.cost(items[i]);
    if (n > 0 && spent > allowance.kmsRequests) break;
    n++;
  }
  return todo.slice(0, n);
}

/**
 * Runs `work` for every item of a batch activity, concurrently, and returns each item's outcome. Finished
 * items' outcomes go into the heartbeat (every second, also while a long copy runs, and at the end), so an
 * attempt retried after a throttled item goes on with the rest, and one retried after a crash repeats at most
 * the last second's work; no item is counted twice. A permanent error of one item is its outcome (`failed`,
 * with the S3 error code, the step and the item's `label`); a retryable one retries the batch after the others
 * are done. With an allowance, items beyond what it pays for are left undone (`null`): the caller schedules
 * them again.
 */
export async function runBatch<I, O>(
  items: I[],
  label: (item: I) => string,
  work: (item: I) => Promise<O>,
  allowance?: Allowance<I>,
): Promise<(O | FailedOutcome | null)[]> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as (O | FailedOutcome | null)[] | undefined;
  const outcomes: (O | FailedOutcome | null)[] =
    previous?.length === items.length ? [...previous] : new Array(items.length).fill(null);
  const todo = paidFor(
    items,
    outcomes.flatMap((outcome, i) => (outcome === null ? [i] : [])),
    allowance,
  );
  let retryable: unknown;
  const heartbeat = setInterval(() => ctx.heartbeat([...outcomes]), HEARTBEAT_EVERY_MS);
  try {
    await forEachConcurrently(todo, OBJECTS_IN_PARALLEL, async (i) => {
      try {
        outcomes[i] = await work(items[i]);
      } catch (err) {
        const error = err instanceof StepFailed ? err.error : err;
        const what = err instanceof StepFailed ? `${err.step} ${label(items[i])}` : label(items[i]);
        if (error instanceof ApplicationFailure && error.nonRetryable) {
          outcomes[i] = { status: 'failed', code: error.type ?? 'Error', message: error.message };
        } else if (isRetryable(error)) {
          retryable ??= error;
        } else {
          outcomes[i] = { status: 'failed', code: errorCode(error), message: describeError(error, what) };
        }
        const outcome = outcomes[i] as FailedOutcome | null;
        if (outcome)
          ctx.log.warn('object failed', { key: label(items[i]), code: outcome.code, error: outcome.message });
      }
    });
  } finally {
    clearInterval(heartbeat);
  }
  ctx.heartbeat([...outcomes]);
  if (retryable !== undefined) {
    const left = todo.filter((i) => outcomes[i] === null).length;
    rethrowForTemporal(retryable, `${left} of ${items.length} objects of the batch left`);
  }
  return outcomes;
}
