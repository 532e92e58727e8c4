// How many KMS-queue batches a page keeps scheduled: a migration's share of the one KMS budget.

/**
 * Batches per kind (updates and tags; copies) a migration keeps scheduled at once, over all its pages.
 * Temporal dispatches the KMS queue's backlog in order, so migrations sharing the budget share it in
 * proportion to the batches each keeps waiting: the same number for each, however many pages it runs and
 * however large its bucket, makes the share even. Enough to keep the queue supplied on its own (a batch of
 * 250 objects takes a second or two against S3; the queue dispatches about ten a second) and to keep every
 * partition of it supplied (a partition left without tasks wastes its share of the rate).
 */
export const MIGRATION_BATCHES_IN_FLIGHT = 32;

/**
 * Batches per kind each page keeps scheduled: the migration's share divided over the pages that run together
 * (all --pages-in-flight of them while the listing goes on; those left once it is done).
 */
export function kmsLanesPerPage(pagesTogether: number): number {
  return Math.ceil(MIGRATION_BATCHES_IN_FLIGHT / Math.max(1, pagesTogether));
}
