import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { addCounts, DEFAULTS, emptyCounts, pageNumberOf, pageWorkflowId, settledCount, type BucketAccess, type DefaultEncryptionChange, type MigrationOptions, type MigrationProgress, type MigrationSummary } from '../common/types';
import type { CoordinatorInput, CoordinatorState, PageResult } from './types';
import type { ListedObject, PreflightResult } from '../common/contract';
import { useBucketAccess } from './bucket-access';
import { preflightActivity, reportActivities, s3Activities } from './activity-proxies';
import { migratePage, PAGE_REVISION } from './migrate-page';
import { emptyFailureRateState, FailureRate } from './failure-rate';
import {
  failuresSeenSignal,
  kmsBudgetSignal,
  kmsLanesSignal,
  pageDoneSignal,
  pageFailuresSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from './messages';
import { keepWithin, MIGRATION_ISSUE_BYTES } from './issue-budget';
import { currentDetails } from './current-details';
import { kmsLanesOfPage } from './kms-lanes';
import { recordKmsBudget } from './metrics';
import { MIGRATION_KMS_KEY, MIGRATION_STATE, type MigrationState } from '../common/search-attributes';

/** A migration whose listing met a permanent error ends with this failure, naming the bucket and the error. */
export const LISTING_FAILED = 'ListingFailed';

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

/** Who must own the bucket and the report bucket (preflight found or was told), and Requester Pays. */
function bucketAccessOf(options: MigrationOptions, preflight: PreflightResult): BucketAccess {
  return {
    bucket: options.bucket,
    owner: preflight.owner,
    requesterPays: options.requesterPays,
    reportBucket: options.reportUri?.bucket,
    reportOwner: preflight.reportOwner,
  };
}

/**
 * --set-default-encryption: the bucket's configuration is read and recorded in history before the key is
 * written into a copy of it, so the previous configuration the summary reports survives any crash.
 */
async function makeKeyTheDefault(options: MigrationOptions, keyArn: string): Promise<DefaultEncryptionChange> {
  const target = { bucket: options.bucket, keyArn, bucketKeyEnabled: options.bucketKeyEnabled };
  const found = await s3Activities.readDefaultEncryption(target);
  if (found.changed) await s3Activities.writeDefaultEncryption({ ...target, previous: found.previous });
  return found;
}

/**
 * One migration of a bucket (and prefix): preflight once, then list page after page (cursor = last key)
 * and hand each page to a child workflow, a bounded window at a time, continuing as new every few pages.
 *
 * The coordinator owns control: pause and its reason, the stop-early rule, the KMS budget. Pages report
 * their failures and results to it by signal (to its workflow ID, so to whichever run is current) and obey
 * its pause, resume and budget; a run continues as new with its pages still running and hands them to the
 * next. (A run from before that, replayed, awaits its pages' results and drains them first.)
 */
export async function migrateBucket(input: CoordinatorInput): Promise<MigrationSummary> {
  const { options } = input;
  const info = workflowInfo();
  const pagesReport = patched('pages-report-to-coordinator');
  let state: CoordinatorState | undefined = input.state;
  const inFlightPageIds = new Set<string>(input.state?.inFlightPages);
  const startedAt = input.state?.startedAt ?? Date.now();
  let pausedBecause = input.state?.pausedBecause;
  // The namespace's one KMS budget lives in the KMS queue's configuration, which the pages' activities read
  // (common/kms-queue-config.ts); the coordinator keeps what the latest start or set-rate told it, to show it.
  let kmsBudgetRps = input.state?.kmsBudgetRps ?? options.kmsBudgetRps;
  recordKmsBudget(info.workflowId, kmsBudgetRps);

  // Before any signal handler: a signal waiting when a run starts (continue-as-new) is handled at once.
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
    defaultEncryptionSet: state?.defaultEncryptionSet,
    report: state?.report,
  });
  setHandler(progressQuery, progress);
  // Metadata served on query, not history: cheap to refresh at every page.
  function showDetails(): void {
    setCurrentDetails(currentDetails(progress()));
  }

  const takeBudget = (rps: number): void => {
    kmsBudgetRps = rps;
    recordKmsBudget(info.workflowId, rps);
    showDetails();
  };
  setHandler(kmsBudgetSignal, takeBudget);

  /** Keeps the Web UI's view current: the state, and the key's ARN once preflight resolved it. */
  const label = (migrationState: MigrationState, keyArn?: string): void => {
    if (!options.searchAttributes) return;
    upsertSearchAttributes([{ key: MIGRATION_STATE, value: migrationState }, ...(keyArn ? [{ key: MIGRATION_KMS_KEY, value: keyArn }] : [])]);
  };

  /** Tells a running page the migration's pause state; it may have just finished, which is fine. */
  const tellPage = (workflowId: string): void => {
    const page = getExternalWorkflowHandle(workflowId);
    const sent = pausedBecause === undefined ? page.signal(resumeSignal, state?.resumes) : page.signal(pauseSignal, pausedBecause);
    sent.catch(() => undefined);
  };
  const setPaused = (reason: string | undefined): void => {
    pausedBecause = reason;
    label(reason === undefined ? (state ? 'running' : 'preflight') : 'paused');
    showDetails();
    inFlightPageIds.forEach(tellPage);
  };
  setHandler(pauseSignal, (reason) => setPaused(reason || 'paused by an operator'));
  setHandler(resumeSignal, () => {
    // Once tripped, the first-100 rule would stay true and pause again at the next page's result.
    if (state?.failureRate) new FailureRate(options.maxFailureRate, state.failureRate).reset();
    for (const pageRate of Object.values(state?.pageFailureRates ?? {})) new FailureRate(options.maxFailureRate, pageRate).reset();
    if (state) state.resumes = (state.resumes ?? 0) + 1;
    setPaused(undefined);
  });

  try {
    const summary = await coordinate();
    label('completed');
    setCurrentDetails(currentDetails(summary));
    return summary;
  } catch (err) {
    if (!(err instanceof ContinueAsNew)) label(isCancellation(err) ? 'cancelled' : 'failed');
    // Pages outlive the coordinator's runs (ABANDON), so a cancelled migration cancels them itself.
    if (pagesReport && isCancellation(err)) {
      await CancellationScope.nonCancellable(() =>
        Promise.all([...inFlightPageIds].map((id) => getExternalWorkflowHandle(id).cancel().catch(() => undefined))),
      );
    }
    throw err;
  }

  async function coordinate(): Promise<MigrationSummary> {
    if (!state) {
      const preflight = await preflightActivity({
        bucket: options.bucket,
        prefix: options.prefix,
        expectedBucketOwner: options.expectedBucketOwner,
        reportBucketOwner: options.reportBucketOwner,
        requesterPays: options.requesterPays,
        kmsKeyId: options.kmsKeyId,
        engine: options.engine ?? 'auto',
        ...(options.reportUri ? { reportBucket: options.reportUri.bucket } : {}),
      });
      if (preflight.update && !preflight.update.available) log.warn(`every object is copied: ${preflight.update.reason}`);
      // A run of this workflow ID terminated by hand left its pages running: they stop before this one lists.
      // Best effort: a visibility store that cannot answer the query (no advanced visibility) stops nothing.
      const orphans = await s3Activities
        .cancelEarlierPages({ migrationId: info.workflowId, chainId: info.firstExecutionRunId })
        .catch((err: Error) => void log.warn(`pages left running by an earlier run could not be looked for: ${err.message}`));
      if (orphans) log.warn(`cancelled ${orphans} pages left running by an earlier run of ${info.workflowId}`);
      label(pausedBecause === undefined ? 'running' : 'paused', preflight.keyArn);
      useBucketAccess(bucketAccessOf(options, preflight));
      const defaultEncryptionSet = options.setDefaultEncryption ? await makeKeyTheDefault(options, preflight.keyArn) : undefined;
      const report = options.reportUri && {
        bucket: options.reportUri.bucket,
        owner: preflight.reportOwner,
        keyPrefix: `${options.reportUri.prefix}${options.bucket}/${new Date(startedAt).toISOString()}/`,
      };
      state = {
        preflight,
        defaultEncryptionSet,
        report,
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
    useBucketAccess(bucketAccessOf(options, s.preflight));

    s.failureRate ??= emptyFailureRateState();
    const failureRate = new FailureRate(options.maxFailureRate, s.failureRate);
    // The rule over all pages, and over each running page's own attempts: a page's first 100 attempts can
    // fail together (a key disabled midway) while other pages' successes fill the migration's first 100.
    const pageRates = (s.pageFailureRates ??= {});
    const recordAttempts = (
      pageId: string | undefined,
      attempts: number,
      failures: number,
      lastError?: { code: string; message: string },
    ): void => {
      const across = failureRate.record(attempts, failures);
      const page = pageId === undefined ? undefined : new FailureRate(options.maxFailureRate, (pageRates[pageId] ??= emptyFailureRateState()));
      const onPage = page?.record(attempts, failures);
      const tripped = across ? `${across} across pages` : onPage && `${onPage} on ${pageId}`;
      if (tripped && pausedBecause === undefined) {
        const cause = lastError ? `; last error ${lastError.code}: ${lastError.message}` : '';
        setPaused(`${tripped}${cause}; paused to stop early`);
      }
    };
    const absorb = (result: PageResult): void => {
      addCounts(s.counts, result.counts);
      if (!pagesReport) {
        const last = result.issues.filter((issue) => issue.status === 'failed').at(-1);
        recordAttempts(undefined, settledCount(result.counts), result.counts.failed, last);
      }
      s.issuesDropped += keepWithin(s.issues, result.issues, DEFAULTS.maxIssuesKept, MIGRATION_ISSUE_BYTES);
      s.pagesDone++;
      showDetails();
    };

    setHandler(pageFailuresSignal, (report) => {
      // Failures a page reported before it heard of the latest resume are from before it: the window restarted.
      const stale = report.resumes !== undefined && report.resumes < (s.resumes ?? 0);
      if (inFlightPageIds.has(report.pageId) && !stale) recordAttempts(report.pageId, report.attempts, report.failures, report.lastError);
      if (report.answer) {
        getExternalWorkflowHandle(report.pageId).signal(failuresSeenSignal, pausedBecause !== undefined).catch(() => undefined);
      }
    });
    /**
     * The migration's KMS-queue batches at the budget in force, shared over its pages (workflows/kms-lanes.ts).
     * While the listing goes on, over --pages-in-flight slots by page number: the pages in flight, consecutive,
     * add up to the migration's share, and a page that ends and the next that starts change nobody's. Once it is
     * done, over the pages left. A running page is told when its share changes (the budget, the listing's end).
     */
    const pageLanes = new Map<string, number>();
    const lanesOf = (pageId: string): number => {
      if (!s.listingDone) return kmsLanesOfPage(kmsBudgetRps, pageNumberOf(pageId), options.pagesInFlight);
      return kmsLanesOfPage(kmsBudgetRps, [...inFlightPageIds].indexOf(pageId), inFlightPageIds.size);
    };
    const shareKmsLanes = (): void => {
      [...inFlightPageIds].forEach((id) => {
        const lanes = lanesOf(id);
        if (pageLanes.get(id) === lanes) return;
        if (pageLanes.has(id)) getExternalWorkflowHandle(id).signal(kmsLanesSignal, lanes).catch(() => undefined);
        pageLanes.set(id, lanes);
      });
    };
    setHandler(kmsBudgetSignal, (rps) => {
      takeBudget(rps);
      shareKmsLanes();
    });

    setHandler(pageDoneSignal, ({ pageId, result, unreportedAttempts }) => {
      if (!inFlightPageIds.delete(pageId)) return; // not ours, or already counted
      delete s.pageObjects?.[pageId];
      pageLanes.delete(pageId);
      shareKmsLanes();
      recordAttempts(undefined, unreportedAttempts, 0);
      delete pageRates[pageId];
      absorb(result);
    });

    /** A page that closed without reporting (terminated by hand, failed): its objects are reported as not migrated. */
    const pageEndedWithoutResult = (workflowId: string, why: string): void => {
      if (!inFlightPageIds.delete(workflowId)) return; // it reported after all
      pageLanes.delete(workflowId);
      shareKmsLanes();
      delete pageRates[workflowId];
      const held = s.pageObjects?.[workflowId] ?? { objects: 0, firstKey: '' };
      delete s.pageObjects?.[workflowId];
      const message = `${workflowId} ended without a result (${held.objects} objects from this key on): ${why}`;
      const issue = { key: held.firstKey, status: 'failed' as const, code: 'PageFailed', message };
      absorb({ counts: { ...emptyCounts(), failed: held.objects }, issues: [issue] });
    };

    /**
     * The pages the previous run handed over: this run holds no child handle of them, so it asks Temporal now
     * and then whether one closed without reporting (backing off, and not while paused: none finishes then).
     */
    const watchInheritedPages = async (): Promise<void> => {
      const inherited = () => (input.state?.inFlightPages ?? []).filter((id) => inFlightPageIds.has(id));
      for (let wait = 5_000; inherited().length > 0; wait = Math.min(wait * 2, 120_000)) {
        const left = inherited().length;
        if (await condition(() => inherited().length < left, wait)) wait = 2_500; // one reported: the rest may be near
        await condition(() => pausedBecause === undefined);
        if (inherited().length === 0) return;
        for (const { pageId, status } of await s3Activities.closedPages({ pageIds: inherited() })) {
          pageEndedWithoutResult(pageId, `it is ${status.toLowerCase()}`);
        }
      }
    };
    watchInheritedPages().catch((err: Error) => log.warn(`the pages handed over could not be checked: ${err.message}`));

    /** Starts a page as a child workflow, counted in flight from now; tells it if the migration is paused. */
    const startPage = async (page: number, objects: ListedObject[]) => {
      const workflowId = pageWorkflowId(info.workflowId, info.firstExecutionRunId, page);
      inFlightPageIds.add(workflowId);
      (s.pageObjects ??= {})[workflowId] = { objects: objects.length, firstKey: objects[0].key };
      const kmsLanes = lanesOf(workflowId);
      pageLanes.set(workflowId, kmsLanes);
      shareKmsLanes();
      const child = await startChild(migratePage, {
        workflowId,
        args: [
          {
            options,
            keyArn: s.preflight.keyArn,
            access: bucketAccessOf(options, s.preflight),
            objects,
            update: s.preflight.update?.available ?? false,
            kmsLanes,
            kmsBudgetRps,
            carryAcls: s.preflight.acls,
            versioningSuspended: s.preflight.versioning === 'Suspended',
            ...(s.report ? { report: s.report, page } : {}),
            revision: PAGE_REVISION,
            ...(pagesReport ? { reportTo: info.workflowId, resumes: s.resumes ?? 0 } : {}),
          },
        ],
        // A page outlives the run that started it (continue-as-new); cancelling the migration cancels its pages.
        parentClosePolicy: pagesReport ? ParentClosePolicy.ABANDON : ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: pageSummary(page, objects),
      });
      if (pausedBecause !== undefined) tellPage(workflowId); // paused while it was starting
      return { workflowId, child };
    };

    /** Starts a page that reports its result by signal; resolves once it started. */
    const launchPage = async (page: number, objects: ListedObject[]): Promise<void> => {
      const { workflowId, child } = await startPage(page, objects);
      child.result().then(
        () => undefined,
        (err: Error) => pageEndedWithoutResult(workflowId, err.message),
      );
    };

    /** A page of a run from before pages reported by signal: awaited for its result. */
    const runPage = async (page: number, objects: ListedObject[]): Promise<void> => {
      const workflowId = pageWorkflowId(info.workflowId, info.firstExecutionRunId, page);
      try {
        const { child } = await startPage(page, objects);
        absorb(await child.result());
      } finally {
        inFlightPageIds.delete(workflowId);
      }
    };

    const pages: Promise<void>[] = [];
    let pagesThisRun = 0;
    const runIsFull = () =>
      pagesThisRun >= options.pagesPerRun || workflowInfo().historyLength >= HISTORY_EVENTS_SOFT_LIMIT;

    let listingFailed: string | undefined;
    while (!s.listingDone && !runIsFull()) {
      await condition(() => pausedBecause === undefined && inFlightPageIds.size < options.pagesInFlight);
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
      shareKmsLanes();
      s.counts.olderVersions += listed.olderVersions;
      s.counts.scanned += listed.objects.length;
      if (listed.objects.length === 0) continue;
      pagesThisRun++;
      pages.push((pagesReport ? launchPage : runPage)(++s.pagesStarted, listed.objects));
      showDetails();
    }
    // Reporting pages: awaited until started, then handed to the next run. Others: awaited to the end.
    await Promise.all(pages);
    if (listingFailed !== undefined) {
      await condition(() => inFlightPageIds.size === 0); // the objects already handed out finish first
      throw ApplicationFailure.create({ type: LISTING_FAILED, nonRetryable: true, message: listingFailed });
    }

    if (!s.listingDone) {
      const inFlightPages = pagesReport ? [...inFlightPageIds] : undefined;
      await continueAsNew<typeof migrateBucket>({ options, state: { ...s, runs: s.runs + 1, pausedBecause, kmsBudgetRps, inFlightPages } });
    }
    await condition(() => inFlightPageIds.size === 0);
    const summary: MigrationSummary = { ...progress(), finishedAt: Date.now() };
    if (s.report) {
      const manifest = { migrationId: info.workflowId, bucket: options.bucket, prefix: options.prefix, keyArn: s.preflight.keyArn };
      await reportActivities.writeReportManifest({
        location: s.report,
        manifest: { ...manifest, finishedAt: new Date(summary.finishedAt).toISOString(), counts: s.counts },
      });
    }
    if (patched('default-encryption-in-summary')) {
      summary.defaultEncryption = await s3Activities.bucketDefaultEncryption({ bucket: options.bucket, keyArn: s.preflight.keyArn });
    }
    if (patched('policy-in-summary')) {
      summary.policy = await s3Activities.bucketPolicyCheck({ bucket: options.bucket, keyArn: s.preflight.keyArn });
    }
    return summary;
  }
}
