import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ListedObject } from '../common/contract';
import {
  addCounts,
  DEFAULTS,
  emptyCounts,
  pageWorkflowId,
  type MigrationProgress,
  type MigrationSummary,
} from '../common/types';
import { MIGRATION_KMS_KEY, MIGRATION_STATE, type MigrationState } from '../common/search-attributes';
import type { CoordinatorInput, CoordinatorState, PageResult } from './types';
import { reportActivities, s3Activities } from './activity-proxies';
import { useBucketAccess } from './bucket-access';
import { Control, initialControl } from './coordinator/control';
import { bucketAccessOf, prepare } from './coordinator/first-run';
import { PagesInFlight } from './coordinator/pages-in-flight';
import { currentDetails } from './current-details';
import { keepWithin, MIGRATION_ISSUE_BYTES } from './issue-budget';
import {
  failuresSeenSignal,
  kmsBudgetSignal,
  pageDoneSignal,
  pageFailuresSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from './messages';
import { migratePage } from './migrate-page';

/** A migration whose listing met a permanent error ends with this failure, naming the bucket and the error. */
export const LISTING_FAILED = 'ListingFailed';

/** Continue as new well before Temporal's 10,240-event warning, whatever pagesPerRun says. */
const HISTORY_EVENTS_SOFT_LIMIT = 8_000;

function pageSummary(page: number, objects: ListedObject[]): string {
  return `page ${page}: ${objects.length} objects, ${objects[0]?.key} … ${objects.at(-1)?.key}`.slice(0, 400);
}

/** How objects are re-encrypted, for status and the Web UI. */
function engineOf(state: CoordinatorState | undefined): string | undefined {
  const update = state?.preflight.update;
  if (!update) return undefined;
  return update.available
    ? 'update in place (UpdateObjectEncryption); copy what it refuses'
    : `copy (${update.reason})`;
}

/**
 * One migration of a bucket (and prefix): preflight once, then list page after page (cursor = last key) and
 * hand each page to a child workflow, --pages-in-flight at a time, continuing as new every few pages.
 *
 * The coordinator owns control (workflows/coordinator/control.ts): pause and its reason, the stop-early rule,
 * the KMS budget. Pages report their failures and results to it by signal (to its workflow ID, so to whichever
 * run is current) and obey its pause, resume and budget; a run continues as new with its pages still running
 * and hands them to the next.
 */
export async function migrateBucket(input: CoordinatorInput): Promise<MigrationSummary> {
  const { options } = input;
  const info = workflowInfo();
  let state: CoordinatorState | undefined = input.state;
  const startedAt = state?.startedAt ?? Date.now();
  const held = state?.pagesInFlight ?? {};
  const pages = new PagesInFlight(held);

  /** Keeps the Web UI's view current: the state, and the key's ARN once preflight resolved it. */
  const label = (migrationState: MigrationState, keyArn?: string): void => {
    if (!options.searchAttributes) return;
    upsertSearchAttributes([
      { key: MIGRATION_STATE, value: migrationState },
      ...(keyArn ? [{ key: MIGRATION_KMS_KEY, value: keyArn }] : []),
    ]);
  };
  /** Tells a running page the migration's pause state; it may have just finished, which is fine. */
  const tellPage = (workflowId: string): void => {
    const page = getExternalWorkflowHandle(workflowId);
    const { pausedBecause, resumes } = control.state;
    const sent =
      pausedBecause === undefined ? page.signal(resumeSignal, resumes) : page.signal(pauseSignal, pausedBecause);
    sent.catch(() => undefined);
  };
  const control = new Control(options.maxFailureRate, input.control ?? initialControl(options.kmsBudgetRps), () => {
    label(control.pausedBecause === undefined ? (state ? 'running' : 'preflight') : 'paused');
    showDetails();
    pages.ids.forEach(tellPage);
  });

  const phase = (): MigrationProgress['phase'] => {
    if (state?.listingDone && pages.size === 0) return 'completed';
    if (control.pausedBecause !== undefined) return 'paused';
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
    pagesInFlight: pages.size,
    inFlightPageIds: pages.ids,
    runs: state?.runs ?? 0,
    cursor: state?.cursor ?? {},
    listingDone: state?.listingDone ?? false,
    startedAt,
    issues: state?.issues ?? [],
    issuesDropped: state?.issuesDropped ?? 0,
    pausedBecause: control.pausedBecause,
    kmsBudgetRps: control.state.kmsBudgetRps,
    engine: engineOf(state),
    defaultEncryptionSet: state?.defaultEncryptionSet,
    report: state?.report,
  });
  // Metadata served on query, not history: cheap to refresh at every page.
  function showDetails(): void {
    setCurrentDetails(currentDetails(progress()));
  }
  const shareLanes = (): void => {
    if (state) pages.shareLanes(control.state.kmsBudgetRps, state.listingDone, options.pagesInFlight);
  };

  /** A page's result, in the migration's counts and issues. */
  const absorb = (result: PageResult): void => {
    const s = state!;
    addCounts(s.counts, result.counts);
    s.issuesDropped += keepWithin(s.issues, result.issues, DEFAULTS.maxIssuesKept, MIGRATION_ISSUE_BYTES);
    s.pagesDone++;
    showDetails();
  };
  /** A page that closed without reporting (terminated by hand, failed): its objects are reported as not migrated. */
  const pageEndedWithoutResult = (workflowId: string, why: string): void => {
    const ended = pages.remove(workflowId);
    if (!ended) return; // it reported after all
    shareLanes();
    control.forgetPage(workflowId);
    const message = `${workflowId} ended without a result (${ended.objects} objects from this key on): ${why}`;
    absorb({
      counts: { ...emptyCounts(), failed: ended.objects },
      issues: [{ key: ended.firstKey, status: 'failed', code: 'PageFailed', message }],
    });
  };

  // Before any await: a signal waiting when a run starts (continue-as-new) is handled at once.
  setHandler(progressQuery, progress);
  setHandler(pauseSignal, (reason) => control.pause(reason || 'paused by an operator'));
  setHandler(resumeSignal, () => control.resume());
  setHandler(kmsBudgetSignal, (rps) => {
    control.setBudget(rps);
    showDetails();
    shareLanes();
  });
  setHandler(pageFailuresSignal, (report) => {
    // Failures a page reported before it heard of the latest resume are from before it: the window restarted.
    const stale = report.resumes < control.state.resumes;
    if (pages.has(report.pageId) && !stale)
      control.recordAttempts(report.pageId, report.attempts, report.failures, report.lastError);
    if (report.answer) {
      getExternalWorkflowHandle(report.pageId)
        .signal(failuresSeenSignal, control.pausedBecause !== undefined)
        .catch(() => undefined);
    }
  });
  setHandler(pageDoneSignal, ({ pageId, result, unreportedAttempts }) => {
    if (!pages.remove(pageId)) return; // not ours, or already counted
    shareLanes();
    control.recordAttempts(undefined, unreportedAttempts, 0);
    control.forgetPage(pageId);
    absorb(result);
  });

  try {
    const summary = await coordinate();
    label('completed');
    setCurrentDetails(currentDetails(summary));
    return summary;
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) label(isCancellation(err) ? 'cancelled' : 'failed');
    // Pages outlive the coordinator's runs (ABANDON), so a cancelled migration cancels them itself.
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        Promise.all(
          pages.ids.map((id) =>
            getExternalWorkflowHandle(id)
              .cancel()
              .catch(() => undefined),
          ),
        ),
      );
    }
    throw err;
  }

  async function coordinate(): Promise<MigrationSummary> {
    if (!state) {
      const prepared = await prepare(options, startedAt, (keyArn) =>
        label(control.pausedBecause === undefined ? 'running' : 'paused', keyArn),
      );
      state = {
        ...prepared,
        counts: emptyCounts(),
        cursor: {},
        listingDone: false,
        pagesStarted: 0,
        pagesDone: 0,
        runs: 0,
        startedAt,
        issues: [],
        issuesDropped: 0,
        pagesInFlight: held,
      };
    }
    const s = state;
    useBucketAccess(bucketAccessOf(options, s.preflight));
    pages
      .watchInherited(() => control.pausedBecause !== undefined, pageEndedWithoutResult)
      .catch((err: Error) => log.warn(`the pages handed over could not be checked: ${err.message}`));

    /** Starts a page as a child workflow, in flight from now, which reports its result by signal. */
    const startPage = async (page: number, objects: ListedObject[]): Promise<void> => {
      const workflowId = pageWorkflowId(info.workflowId, info.firstExecutionRunId, page);
      pages.add(workflowId, { objects: objects.length, firstKey: objects[0].key });
      const { kmsBudgetRps, resumes } = control.state;
      const kmsLanes = pages.lanesOf(workflowId, kmsBudgetRps, s.listingDone, options.pagesInFlight);
      shareLanes();
      const child = await startChild(migratePage, {
        workflowId,
        args: [
          {
            options,
            keyArn: s.preflight.keyArn,
            access: bucketAccessOf(options, s.preflight),
            objects,
            update: s.preflight.update.available,
            kmsLanes,
            kmsBudgetRps,
            carryAcls: s.preflight.acls,
            versioningSuspended: s.preflight.versioning === 'Suspended',
            ...(s.report ? { report: s.report, page } : {}),
            reportTo: info.workflowId,
            resumes,
          },
        ],
        // A page outlives the run that started it (continue-as-new); cancelling the migration cancels its pages.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: pageSummary(page, objects),
      });
      if (control.pausedBecause !== undefined) tellPage(workflowId); // paused while it was starting
      child.result().then(
        () => undefined,
        (err: Error) => pageEndedWithoutResult(workflowId, err.message),
      );
    };

    const starting: Promise<void>[] = [];
    let pagesThisRun = 0;
    const runIsFull = () =>
      pagesThisRun >= options.pagesPerRun || workflowInfo().historyLength >= HISTORY_EVENTS_SOFT_LIMIT;
    let listingFailed: string | undefined;
    while (!s.listingDone && !runIsFull()) {
      await condition(() => control.pausedBecause === undefined && pages.size < options.pagesInFlight);
      let listed;
      try {
        listed = await s3Activities.listPage({
          bucket: options.bucket,
          prefix: options.prefix,
          versioned: s.preflight.versioning !== 'Disabled',
          allVersions: options.allVersions,
          after: s.cursor,
          maxKeys: options.pageSize,
        });
      } catch (err) {
        // Retryable errors are retried inside the activity: this one is permanent (access denied, bucket gone).
        if (!(err instanceof ActivityFailure)) throw err;
        listingFailed = err.cause?.message ?? err.message;
        break;
      }
      s.cursor = listed.next;
      s.listingDone = listed.done;
      shareLanes();
      s.counts.olderVersions += listed.olderVersions;
      s.counts.scanned += listed.objects.length;
      if (listed.objects.length === 0) continue;
      pagesThisRun++;
      starting.push(startPage(++s.pagesStarted, listed.objects));
      showDetails();
    }
    await Promise.all(starting); // started: the next run takes over the pages still running
    if (listingFailed !== undefined) {
      await condition(() => pages.size === 0); // the objects already handed out finish first
      throw ApplicationFailure.create({ type: LISTING_FAILED, nonRetryable: true, message: listingFailed });
    }
    if (!s.listingDone) {
      await continueAsNew<typeof migrateBucket>({ options, state: { ...s, runs: s.runs + 1 }, control: control.state });
    }
    await condition(() => pages.size === 0);
    return finish(s);
  }

  /** The summary, with the report's manifest written and the bucket's default encryption and policy checked. */
  async function finish(s: CoordinatorState): Promise<MigrationSummary> {
    const summary: MigrationSummary = { ...progress(), finishedAt: Date.now() };
    if (s.report) {
      const manifest = {
        migrationId: info.workflowId,
        bucket: options.bucket,
        prefix: options.prefix,
        keyArn: s.preflight.keyArn,
      };
      await reportActivities.writeReportManifest({
        location: s.report,
        manifest: { ...manifest, finishedAt: new Date(summary.finishedAt).toISOString(), counts: s.counts },
      });
    }
    const target = { bucket: options.bucket, keyArn: s.preflight.keyArn };
    summary.defaultEncryption = await s3Activities.bucketDefaultEncryption(target);
    summary.policy = await s3Activities.bucketPolicyCheck(target);
    return summary;
  }
}
