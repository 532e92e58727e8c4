import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  addCounts,
  DEFAULTS,
  emptyCounts,
  pageWorkflowId,
  settledCount,
  type CoordinatorInput,
  type CoordinatorState,
  type ListedObject,
  type MigrationProgress,
  type MigrationSummary,
  type PageResult,
} from '../common/types';
import { preflightActivity, s3Activities } from './activity-proxies';
import { migratePage } from './migrate-page';
import { emptyFailureRateState, FailureRate } from './failure-rate';
import { kmsBudgetSignal, pauseSignal, progressQuery, resumeSignal } from './messages';
import { kmsTaskWeight } from '../common/kms-budget';

/** Continue as new well before Temporal's 10,240-event warning, whatever pagesPerRun says. */
const HISTORY_EVENTS_SOFT_LIMIT = 8_000;

function pageSummary(page: number, objects: ListedObject[]): string {
  return `page ${page}: ${objects.length} objects, ${objects[0]?.key} … ${objects.at(-1)?.key}`.slice(0, 400);
}

/** How objects are re-encrypted, for status and the Web UI. */
function engineOf(preflight: CoordinatorState['preflight'] | undefined): string | undefined {
  if (!preflight) return undefined;
  if (preflight.update?.available) return 'update in place (UpdateObjectEncryption); copy what it refuses';
  return `copy (${preflight.update?.reason ?? 'migration started before the update engine'})`;
}

/**
 * One migration of a bucket (and prefix): preflight once, then list page after page (cursor = last key)
 * and hand each page to a child workflow, a bounded window at a time, continuing as new every few pages.
 */
export async function migrateBucket(input: CoordinatorInput): Promise<MigrationSummary> {
  const { options } = input;
  const info = workflowInfo();
  let state: CoordinatorState | undefined = input.state;
  const inFlightPageIds = new Set<string>();
  const startedAt = input.state?.startedAt ?? Date.now();
  let pausedBecause = input.state?.pausedBecause;
  let kmsBudgetRps = input.state?.kmsBudgetRps ?? options.kmsBudgetRps;
  setHandler(kmsBudgetSignal, (rps) => {
    kmsBudgetRps = rps;
    // Running pages pack their next batches to the new weight, which the queue's new rate assumes.
    // (patched: a coordinator from before batched updates, replayed, sent no such signals.)
    if (!patched('kms-weight-to-pages')) return;
    for (const workflowId of inFlightPageIds) getExternalWorkflowHandle(workflowId).signal(kmsBudgetSignal, rps).catch(() => undefined);
  });

  /** Tells a running page the migration's pause state; it may have just finished, which is fine. */
  const tellPage = (workflowId: string): void => {
    const page = getExternalWorkflowHandle(workflowId);
    const sent = pausedBecause === undefined ? page.signal(resumeSignal) : page.signal(pauseSignal, pausedBecause);
    sent.catch(() => undefined);
  };
  const setPaused = (reason: string | undefined): void => {
    pausedBecause = reason;
    setCurrentDetails(reason === undefined ? '' : `**Paused**: ${reason}`);
    inFlightPageIds.forEach(tellPage);
  };
  setHandler(pauseSignal, (reason) => setPaused(reason || 'paused by an operator'));
  setHandler(resumeSignal, () => {
    // Once tripped, the first-100 rule would stay true and pause again at the next page's result.
    if (state?.failureRate) new FailureRate(options.maxFailureRate, state.failureRate).reset();
    setPaused(undefined);
  });

  const phase = (): MigrationProgress['phase'] => {
    if (state?.listingDone && inFlightPageIds.size === 0) return 'completed';
    if (pausedBecause !== undefined) return 'paused';
    return state ? 'running' : 'preflight';
  };
  const progress = (): MigrationProgress => ({
    phase: phase(),
    bucket: options.bucket,
    prefix: options.prefix,
    keyArn: state?.preflight.keyArn,
    counts: state?.counts ?? emptyCounts(),
    pagesStarted: state?.pagesStarted ?? 0,
    pagesDone: state?.pagesDone ?? 0,
    pagesInFlight: inFlightPageIds.size,
    inFlightPageIds: [...inFlightPageIds],
    runs: state?.runs ?? 0,
    cursor: state?.cursor ?? {},
    listingDone: state?.listingDone ?? false,
    startedAt,
    issues: state?.issues ?? [],
    issuesDropped: state?.issuesDropped ?? 0,
    pausedBecause,
    kmsBudgetRps,
    engine: engineOf(state?.preflight),
  });
  setHandler(progressQuery, progress);

  if (!state) {
    const preflight = await preflightActivity({ bucket: options.bucket, kmsKeyId: options.kmsKeyId, engine: options.engine ?? 'auto' });
    if (preflight.update && !preflight.update.available) log.warn(`every object is copied: ${preflight.update.reason}`);
    state = {
      preflight,
      counts: emptyCounts(),
      cursor: {},
      listingDone: false,
      pagesStarted: 0,
      pagesDone: 0,
      runs: 0,
      startedAt,
      issues: [],
      issuesDropped: 0,
    };
  }
  const s = state;

  s.failureRate ??= emptyFailureRateState();
  const failureRate = new FailureRate(options.maxFailureRate, s.failureRate);
  const absorb = (result: PageResult): void => {
    addCounts(s.counts, result.counts);
    const tripped = failureRate.record(settledCount(result.counts), result.counts.failed);
    if (tripped && pausedBecause === undefined) {
      const last = result.issues.filter((issue) => issue.status === 'failed').at(-1);
      const cause = last ? `; last error ${last.code}: ${last.message}` : '';
      setPaused(`${tripped} across pages${cause}; paused to stop early`);
    }
    const room = Math.max(0, DEFAULTS.maxIssuesKept - s.issues.length);
    s.issues.push(...result.issues.slice(0, room));
    s.issuesDropped += result.issues.length - Math.min(room, result.issues.length);
    s.pagesDone++;
  };

  const runPage = async (page: number, objects: ListedObject[]): Promise<void> => {
    const workflowId = pageWorkflowId(info.workflowId, page);
    inFlightPageIds.add(workflowId);
    try {
      const child = await startChild(migratePage, {
        workflowId,
        args: [
          {
            options,
            keyArn: s.preflight.keyArn,
            objects,
            update: s.preflight.update?.available ?? false,
            kmsWeight: kmsTaskWeight(kmsBudgetRps),
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: pageSummary(page, objects),
      });
      if (pausedBecause !== undefined) tellPage(workflowId); // paused while it was starting
      absorb(await child.result());
    } finally {
      inFlightPageIds.delete(workflowId);
    }
  };

  const pages: Promise<void>[] = [];
  let pagesThisRun = 0;
  const runIsFull = () =>
    pagesThisRun >= options.pagesPerRun || workflowInfo().historyLength >= HISTORY_EVENTS_SOFT_LIMIT;

  while (!s.listingDone && !runIsFull()) {
    await condition(() => pausedBecause === undefined && inFlightPageIds.size < options.pagesInFlight);
    const listed = await s3Activities.listPage({
      bucket: options.bucket,
      prefix: options.prefix,
      versioned: s.preflight.versioning !== 'Disabled',
      allVersions: options.allVersions,
      after: s.cursor,
      maxKeys: options.pageSize,
    });
    s.cursor = listed.next;
    s.listingDone = listed.done;
    s.counts.olderVersions += listed.olderVersions;
    s.counts.scanned += listed.objects.length;
    if (listed.objects.length === 0) continue;
    pagesThisRun++;
    pages.push(runPage(++s.pagesStarted, listed.objects));
  }
  // Pages are awaited here, before continuing as new, so every count reaches the next run.
  await Promise.all(pages);

  if (!s.listingDone) {
    await continueAsNew<typeof migrateBucket>({ options, state: { ...s, runs: s.runs + 1, pausedBecause, kmsBudgetRps } });
  }
  return { ...progress(), finishedAt: Date.now() };
}
