import {
  condition,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  addCounts,
  DEFAULTS,
  emptyCounts,
  pageWorkflowId,
  type CoordinatorInput,
  type CoordinatorState,
  type ListedObject,
  type MigrationProgress,
  type MigrationSummary,
  type PageResult,
} from '../common/types';
import { preflightActivity, s3Activities } from './activity-proxies';
import { migratePage } from './migrate-page';
import { progressQuery } from './queries';

/** Continue as new well before Temporal's 10,240-event warning, whatever pagesPerRun says. */
const HISTORY_EVENTS_SOFT_LIMIT = 8_000;

function pageSummary(page: number, objects: ListedObject[]): string {
  return `page ${page}: ${objects.length} objects, ${objects[0]?.key} … ${objects.at(-1)?.key}`.slice(0, 400);
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

  const progress = (): MigrationProgress => ({
    phase: state ? (state.listingDone && inFlightPageIds.size === 0 ? 'completed' : 'running') : 'preflight',
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
  });
  setHandler(progressQuery, progress);

  if (!state) {
    const preflight = await preflightActivity({ bucket: options.bucket, kmsKeyId: options.kmsKeyId });
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

  const absorb = (result: PageResult): void => {
    addCounts(s.counts, result.counts);
    const room = Math.max(0, DEFAULTS.maxIssuesKept - s.issues.length);
    s.issues.push(...result.issues.slice(0, room));
    s.issuesDropped += result.issues.length - Math.min(room, result.issues.length);
    s.pagesDone++;
  };

  const runPage = async (page: number, objects: ListedObject[]): Promise<void> => {
    const workflowId = pageWorkflowId(info.workflowId, page);
    inFlightPageIds.add(workflowId);
    try {
      const result = await executeChild(migratePage, {
        workflowId,
        args: [{ options, keyArn: s.preflight.keyArn, objects }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: pageSummary(page, objects),
      });
      absorb(result);
    } finally {
      inFlightPageIds.delete(workflowId);
    }
  };

  const pages: Promise<void>[] = [];
  let pagesThisRun = 0;
  const runIsFull = () =>
    pagesThisRun >= options.pagesPerRun || workflowInfo().historyLength >= HISTORY_EVENTS_SOFT_LIMIT;

  while (!s.listingDone && !runIsFull()) {
    await condition(() => inFlightPageIds.size < options.pagesInFlight);
    const listed = await s3Activities.listPage({
      bucket: options.bucket,
      prefix: options.prefix,
      versioned: s.preflight.versioning !== 'Disabled',
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
    await continueAsNew<typeof migrateBucket>({ options, state: { ...s, runs: s.runs + 1 } });
  }
  return { ...progress(), finishedAt: Date.now() };
}
