// The migration's control: pause and its reason, resumes, the KMS budget it shows, and the stop-early rule.
import { workflowInfo } from '@temporalio/workflow';
import { emptyFailureRateState, FailureRate } from '../failure-rate';
import { recordKmsBudget } from '../metrics';
import type { ControlState } from '../types';

export function initialControl(kmsBudgetRps: number): ControlState {
  return { kmsBudgetRps, resumes: 0, failureRate: emptyFailureRateState(), pageFailureRates: {} };
}

/** Control over every run of one migration: its state is carried across continue-as-new. */
export class Control {
  /** `changed` runs after every change of the pause: to show it and tell the pages. */
  constructor(
    private readonly maxFailureRate: number,
    readonly state: ControlState,
    private readonly changed: () => void,
  ) {
    recordKmsBudget(workflowInfo().workflowId, state.kmsBudgetRps);
  }

  get pausedBecause(): string | undefined {
    return this.state.pausedBecause;
  }

  pause(reason: string): void {
    this.state.pausedBecause = reason;
    this.changed();
  }

  /** Failures from before a resume must not trip the rule again (once tripped, the first-100 rule would stay so). */
  resume(): void {
    new FailureRate(this.maxFailureRate, this.state.failureRate).reset();
    for (const pageRate of Object.values(this.state.pageFailureRates))
      new FailureRate(this.maxFailureRate, pageRate).reset();
    this.state.resumes++;
    this.state.pausedBecause = undefined;
    this.changed();
  }

  /**
   * The namespace's one KMS budget lives in the KMS queue's configuration, which the pages' activities read
   * (common/kms-queue-config.ts); the coordinator keeps what the latest start or set-rate told it, to show it.
   */
  setBudget(rps: number): void {
    this.state.kmsBudgetRps = rps;
    recordKmsBudget(workflowInfo().workflowId, rps);
  }

  /**
   * The rule over all pages, and over each running page's own attempts: a page's first 100 attempts can fail
   * together (a key disabled midway) while other pages' successes fill the migration's first 100.
   */
  recordAttempts(
    pageId: string | undefined,
    attempts: number,
    failures: number,
    lastError?: { code: string; message: string },
  ): void {
    const across = new FailureRate(this.maxFailureRate, this.state.failureRate).record(attempts, failures);
    const pageRate =
      pageId === undefined ? undefined : (this.state.pageFailureRates[pageId] ??= emptyFailureRateState());
    const onPage = pageRate && new FailureRate(this.maxFailureRate, pageRate).record(attempts, failures);
    const tripped = across ? `${across} across pages` : onPage && `${onPage} on ${pageId}`;
    if (tripped && this.pausedBecause === undefined) {
      const cause = lastError ? `; last error ${lastError.code}: ${lastError.message}` : '';
      this.pause(`${tripped}${cause}; paused to stop early`);
    }
  }

  forgetPage(pageId: string): void {
    delete this.state.pageFailureRates[pageId];
  }
}
