// The listing, page after page, each handed to a page workflow; continue-as-new every few pages.
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { inventoryActivities, s3Activities } from '../activity-proxies';
import type { CoordinatorInput, CoordinatorState } from '../types';
import type { MigrationRun } from './migration-run';

/** A migration whose listing met a permanent error ends with this failure, naming the bucket and the error. */
export const LISTING_FAILED = 'ListingFailed';

/** Continue as new well before Temporal's 10,240-event warning, whatever pagesPerRun says. */
const HISTORY_EVENTS_SOFT_LIMIT = 8_000;

/**
 * Lists from the cursor (the last key handed out; with --inventory, the inventory's next file and row) and starts
 * a page per listing page, --pages-in-flight at a time and never while paused. Returns once the listing is done;
 * continues as new, the pages still running handed to the next run, once this run has started --pages-per-run
 * pages.
 */
export async function listAndStartPages(run: MigrationRun, state: CoordinatorState): Promise<void> {
  const { options, control, pages } = run;
  const starting: Promise<void>[] = [];
  const runIsFull = () =>
    starting.length >= options.pagesPerRun || workflowInfo().historyLength >= HISTORY_EVENTS_SOFT_LIMIT;
  let listingFailed: string | undefined;
  while (!state.listingDone && !runIsFull()) {
    await condition(() => control.pausedBecause === undefined && pages.size < options.pagesInFlight);
    let listed;
    try {
      const scope = {
        bucket: options.bucket,
        prefix: options.prefix,
        allVersions: options.allVersions,
        versioned: state.preflight.versioning !== 'Disabled',
        after: state.cursor,
        maxKeys: options.pageSize,
      };
      listed = options.inventory
        ? await inventoryActivities.inventoryPage({
            ...scope,
            inventory: options.inventory,
            ...(options.headEveryRow && { headEveryRow: true }),
          })
        : await s3Activities.listPage(scope);
    } catch (err) {
      // Retryable errors are retried inside the activity: this one is permanent (access denied, bucket gone).
      if (!(err instanceof ActivityFailure)) throw err;
      listingFailed = err.cause?.message ?? err.message;
      break;
    }
    state.cursor = listed.next;
    state.listingDone = listed.done;
    run.shareLanes();
    state.counts.olderVersions += listed.olderVersions;
    state.counts.scanned += listed.objects.length;
    if (listed.objects.length === 0) continue;
    starting.push(run.startPage(state, ++state.pagesStarted, listed.objects));
    run.showDetails();
  }
  await Promise.all(starting); // started: the next run takes over the pages still running
  if (listingFailed !== undefined) {
    await condition(() => pages.size === 0); // the objects already handed out finish first
    throw ApplicationFailure.create({ type: LISTING_FAILED, nonRetryable: true, message: listingFailed });
  }
  if (!state.listingDone) {
    const next: CoordinatorInput = { options, state: { ...state, runs: state.runs + 1 }, control: control.state };
    await continueAsNew<(input: CoordinatorInput) => Promise<unknown>>(next);
  }
}
