// How many KMS-queue batches a page keeps scheduled: a migration's share of the one KMS budget.
import { kmsQueueRate } from '../common/kms-budget';

/**
 * Seconds of the KMS queue's dispatch a migration keeps scheduled, over all its pages. Temporal dispatches the
 * queue's backlog in order, so migrations sharing the budget share it in proportion to the batches each keeps
 * waiting: the same number for each, however many pages it runs and however large its bucket, makes the share
 * even. Enough to keep the queue supplied on its own (a task's round trip, dispatch to result, is well under a
 * second), and few enough that a migration started later, or a new budget, is not stuck behind a long backlog
 * formed before it: the backlog of each migration drains in about this long.
 */
const BACKLOG_SECONDS = 3;
const FEWEST_BATCHES = 4;
/** Also the most a page keeps: the lanes it runs, of which the coordinator's share are active. */
export const MOST_BATCHES = 32;

/** Batches per kind (updates and tags; copies) a migration keeps scheduled at a budget, over all its pages. */
export function migrationKmsLanes(budgetRps: number): number {
  return Math.min(MOST_BATCHES, Math.max(FEWEST_BATCHES, Math.ceil(BACKLOG_SECONDS * kmsQueueRate(budgetRps))));
}

/**
 * Batches per kind the `slot`-th of `pagesTogether` pages keeps scheduled: the migration's share divided over
 * them, whole batches, the remainder to the first slots, so that any `pagesTogether` consecutive slots add up
 * to the migration's share exactly (and each page has at least one).
 */
export function kmsLanesOfPage(budgetRps: number, slot: number, pagesTogether: number): number {
  const total = migrationKmsLanes(budgetRps);
  const pages = Math.max(1, pagesTogether);
  return Math.max(1, Math.floor(total / pages) + (slot % pages < total % pages ? 1 : 0));
}
