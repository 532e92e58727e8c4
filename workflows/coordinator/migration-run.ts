// One run of a migration's coordinator: its state in one place, the messages it answers, and its pages.
import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  ContinueAsNew,
} from '@temporalio/workflow';
import type { ListedObject } from '../../common/contract';
import {
  addCounts,
  DEFAULTS,
  emptyCounts,
  pageWorkflowId,
  type MigrationOptions,
  type MigrationProgress,
  type MigrationSummary,
} from '../../common/types';
import { MIGRATION_KMS_KEY, MIGRATION_STATE, type MigrationState } from '../../common/search-attributes';
import type { CoordinatorInput, CoordinatorState, PageHeld, PageResult } from '../types';
import { reportActivities, s3Activities } from '../activity-proxies';
import { currentDetails } from '../current-details';
import { keepWithin, MIGRATION_ISSUE_BYTES } from '../issue-budget';
import {
  failuresSeenSignal,
  kmsBudgetSignal,
  pageDoneSignal,
  pageFailuresSignal,
  pauseSignal,
  progressQuery,
  resumeSignal,
} from '../messages';
import { migratePage } from '../migrate-page';
import { Control, initialControl } from './control';
import { bucketAccessOf, prepare } from './first-run';
import { PagesInFlight } from './pages-in-flight';

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

export class MigrationRun {
  readonly options: MigrationOptions;
  /** Absent until the first run's preflight is done. */
  state: CoordinatorState | undefined;
  readonly control: Control;
  readonly pages: PagesInFlight;
  private readonly startedAt: number;
  /** The pages in flight as the state holds them: carried across continue-as-new. */
  private readonly held: Record<string, PageHeld>;

  /** Registers every handler before any await: a signal waiting when a run starts is handled at once. */
  constructor(input: CoordinatorInput) {
    this.options = input.options;
    this.state = input.state;
    this.startedAt = input.state?.startedAt ?? Date.now();
    this.held = input.state?.pagesInFlight ?? {};
    this.pages = new PagesInFlight(this.held);
    this.control = new Control(
      this.options.maxFailureRate,
      input.control ?? initialControl(this.options.kmsBudgetRps),
      () => this.pauseChanged(),
    );
    setHandler(progressQuery, () => this.progress());
    setHandler(pauseSignal, (reason) => this.control.pause(reason || 'paused by an operator'));
    setHandler(resumeSignal, () => this.control.resume());
    setHandler(kmsBudgetSignal, (rps) => {
      this.control.setBudget(rps);
      this.showDetails();
      this.shareLanes();
    });
    setHandler(pageFailuresSignal, (report) => {
      // Failures a page reported before it heard of the latest resume are from before it: the window restarted.
      const stale = report.resumes < this.control.state.resumes;
      if (this.pages.has(report.pageId) && !stale) {
        this.control.recordAttempts(report.pageId, report.attempts, report.failures, report.lastError);
      }
      if (report.answer) {
        const paused = this.control.pausedBecause !== undefined;
        getExternalWorkflowHandle(report.pageId)
          .signal(failuresSeenSignal, paused)
          .catch(() => undefined);
      }
    });
    setHandler(pageDoneSignal, ({ pageId, result, unreportedAttempts }) => {
      if (!this.pages.remove(pageId)) return; // not ours, or already counted
      this.shareLanes();
      this.control.recordAttempts(undefined, unreportedAttempts, 0);
      this.control.forgetPage(pageId);
      this.absorb(result);
    });
  }

  progress(): MigrationProgress {
    const { state, options, pages, control } = this;
    return {
      phase: this.phase(),
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
      startedAt: this.startedAt,
      issues: state?.issues ?? [],
      issuesDropped: state?.issuesDropped ?? 0,
      pausedBecause: control.pausedBecause,
      kmsBudgetRps: control.state.kmsBudgetRps,
      engine: engineOf(state),
      defaultEncryptionSet: state?.defaultEncryptionSet,
      report: state?.report,
    };
  }

  /** The first run's preflight and setup, then the state every later run carries. */
  async prepare(): Promise<CoordinatorState> {
    const prepared = await prepare(this.options, this.startedAt, (keyArn) =>
      this.label(this.control.pausedBecause === undefined ? 'running' : 'paused', keyArn),
    );
    this.state = {
      ...prepared,
      counts: emptyCounts(),
      cursor: {},
      listingDone: false,
      pagesStarted: 0,
      pagesDone: 0,
      runs: 0,
      startedAt: this.startedAt,
      issues: [],
      issuesDropped: 0,
      pagesInFlight: this.held,
    };
    return this.state;
  }

  /** Checks now and then on the pages the previous run handed over (best effort). */
  watchInheritedPages(): void {
    this.pages
      .watchInherited(
        () => this.control.pausedBecause !== undefined,
        (pageId, why) => this.pageEndedWithoutResult(pageId, why),
      )
      .catch((err: Error) => log.warn(`the pages handed over could not be checked: ${err.message}`));
  }

  /** Starts a page as a child workflow, in flight from now, which reports its result by signal. */
  async startPage(state: CoordinatorState, page: number, objects: ListedObject[]): Promise<void> {
    const { options, control } = this;
    const info = workflowInfo();
    const workflowId = pageWorkflowId(info.workflowId, info.firstExecutionRunId, page);
    const { kmsBudgetRps, resumes } = control.state;
    const held: PageHeld = { objects: objects.length, firstKey: objects[0].key };
    this.pages.add(workflowId, held);
    const kmsLanes = this.pages.lanesOf(workflowId, kmsBudgetRps, state.listingDone, options.pagesInFlight);
    held.kmsLanes = kmsLanes;
    this.shareLanes();
    const child = await startChild(migratePage, {
      workflowId,
      args: [
        {
          options,
          keyArn: state.preflight.keyArn,
          access: bucketAccessOf(options, state.preflight),
          objects,
          update: state.preflight.update.available,
          kmsLanes,
          kmsBudgetRps,
          carryAcls: state.preflight.acls,
          versioningSuspended: state.preflight.versioning === 'Suspended',
          ...(state.report ? { report: state.report, page } : {}),
          reportTo: info.workflowId,
          resumes,
        },
      ],
      // A page outlives the run that started it (continue-as-new); cancelling the migration cancels its pages.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: pageSummary(page, objects),
    });
    if (control.pausedBecause !== undefined) this.tellPage(workflowId); // paused while it was starting
    child.result().then(
      () => undefined,
      (err: Error) => this.pageEndedWithoutResult(workflowId, err.message),
    );
  }

  /** The summary, with the report's manifest written and the bucket's default encryption and policy checked. */
  async finish(state: CoordinatorState): Promise<MigrationSummary> {
    const { options } = this;
    const summary: MigrationSummary = { ...this.progress(), finishedAt: Date.now() };
    if (state.report) {
      const manifest = {
        migrationId: workflowInfo().workflowId,
        bucket: options.bucket,
        prefix: options.prefix,
        keyArn: state.preflight.keyArn,
      };
      await reportActivities.writeReportManifest({
        location: state.report,
        manifest: { ...manifest, finishedAt: new Date(summary.finishedAt).toISOString(), counts: state.counts },
      });
    }
    const target = { bucket: options.bucket, keyArn: state.preflight.keyArn };
    summary.defaultEncryption = await s3Activities.bucketDefaultEncryption(target);
    summary.policy = await s3Activities.bucketPolicyCheck(target);
    this.label('completed');
    setCurrentDetails(currentDetails(summary));
    return summary;
  }

  /** The run ends without a summary: labelled, and a cancelled migration cancels its pages (they outlive runs). */
  async ended(err: unknown): Promise<void> {
    if (!(err instanceof ContinueAsNew)) this.label(isCancellation(err) ? 'cancelled' : 'failed');
    if (!isCancellation(err)) return;
    await CancellationScope.nonCancellable(() =>
      Promise.all(
        this.pages.ids.map((id) =>
          getExternalWorkflowHandle(id)
            .cancel()
            .catch(() => undefined),
        ),
      ),
    );
  }

  shareLanes(): void {
    if (this.state)
      this.pages.shareLanes(this.control.state.kmsBudgetRps, this.state.listingDone, this.options.pagesInFlight);
  }

  // Metadata served on query, not history: cheap to refresh at every page.
  showDetails(): void {
    setCurrentDetails(currentDetails(this.progress()));
  }

  private phase(): MigrationProgress['phase'] {
    if (this.state?.listingDone && this.pages.size === 0) return 'completed';
    if (this.control.pausedBecause !== undefined) return 'paused';
    return this.state ? 'running' : 'preflight';
  }

  /** Keeps the Web UI's view current: the state, and the key's ARN once preflight resolved it. */
  private label(migrationState: MigrationState, keyArn?: string): void {
    if (!this.options.searchAttributes) return;
    upsertSearchAttributes([
      { key: MIGRATION_STATE, value: migrationState },
      ...(keyArn ? [{ key: MIGRATION_KMS_KEY, value: keyArn }] : []),
    ]);
  }

  private pauseChanged(): void {
    this.label(this.control.pausedBecause === undefined ? (this.state ? 'running' : 'preflight') : 'paused');
    this.showDetails();
    this.pages.ids.forEach((id) => this.tellPage(id));
  }

  /** Tells a running page the migration's pause state; it may have just finished, which is fine. */
  private tellPage(workflowId: string): void {
    const page = getExternalWorkflowHandle(workflowId);
    const { pausedBecause, resumes } = this.control.state;
    const sent =
      pausedBecause === undefined ? page.signal(resumeSignal, resumes) : page.signal(pauseSignal, pausedBecause);
    sent.catch(() => undefined);
  }

  /** A page's result, in the migration's counts and issues. */
  private absorb(result: PageResult): void {
    const state = this.state!;
    addCounts(state.counts, result.counts);
    state.issuesDropped += keepWithin(state.issues, result.issues, DEFAULTS.maxIssuesKept, MIGRATION_ISSUE_BYTES);
    state.pagesDone++;
    this.showDetails();
  }

  /** A page that closed without reporting (terminated by hand, failed): its objects are reported as not migrated. */
  private pageEndedWithoutResult(workflowId: string, why: string): void {
    const ended = this.pages.remove(workflowId);
    if (!ended) return; // it reported after all
    this.shareLanes();
    this.control.forgetPage(workflowId);
    const message = `${workflowId} ended without a result (${ended.objects} objects from this key on): ${why}`;
    this.absorb({
      counts: { ...emptyCounts(), failed: ended.objects },
      issues: [{ key: ended.firstKey, status: 'failed', code: 'PageFailed', message }],
    });
  }
}
