import { condition, getExternalWorkflowHandle, setHandler, workflowInfo } from '@temporalio/workflow';
import type { PageResult } from './types';
import { failuresSeenSignal, pageDoneSignal, pageFailuresSignal, type PageFailureReport } from './messages';

/**
 * A page's side of the coordinator's stop-early rule: counts attempts, and when one fails sends the
 * coordinator every attempt since the last report (one signal in flight at a time; failures that arrive
 * meanwhile go in the next). Successes alone are never sent: they cannot trip the rule, and they reach the
 * coordinator with the next failure or with the page's result.
 */
export class PageReporter {
  private attempts = 0;
  private failures = 0;
  private lastError = { code: '', message: '' };
  private sending: Promise<void> | undefined;
  private answer: boolean | undefined;
  private readonly pageId = workflowInfo().workflowId;

  /**
   * `resumes`: the resumes heard of (see PageFailureReport.resumes). `onPaused` runs in the answer's signal
   * handler, so in order with the pause and resume signals.
   */
  constructor(
    private readonly coordinatorId: string,
    private resumes: number,
    onPaused: () => void,
  ) {
    setHandler(failuresSeenSignal, (paused) => {
      this.answer = paused;
      if (paused) onPaused(); // its pause signal may still be on the way
    });
  }

  /**
   * The migration was resumed: what is not sent yet happened before, in the window the resume closed
   * (failures from before a resume are tried again anyway). In a signal handler: in order with the failures.
   */
  resumed(resumes: number): void {
    this.resumes = resumes;
    this.attempts = 0;
    this.failures = 0;
  }

  succeeded(): void {
    this.attempts++;
  }

  failed(code: string, message: string): void {
    this.attempts++;
    this.failures++;
    this.lastError = { code, message };
    this.send();
  }

  /**
   * Before a page lets its failures stand: has the coordinator, having seen all of them, paused the
   * migration? (Then they are tried again after the resume.) A page must not finish with failures that
   * would have tripped the rule only because the pause came a moment after its last attempt.
   */
  async coordinatorPaused(): Promise<boolean> {
    while (this.sending) await this.sending;
    this.answer = undefined;
    const report = { ...this.labelled(0), answer: true };
    this.attempts = 0;
    const sent = await this.coordinator()
      .signal(pageFailuresSignal, report)
      .then(
        () => true,
        () => false,
      ); // the coordinator is gone: nothing will pause
    if (!sent) return false;
    await condition(() => this.answer !== undefined);
    return this.answer!;
  }

  /** The page's last act: its result, with the attempts not reported yet. A coordinator that is gone is fine. */
  async done(result: PageResult): Promise<void> {
    while (this.sending) await this.sending;
    const unreportedAttempts = this.attempts;
    this.attempts = 0;
    await this.coordinator()
      .signal(pageDoneSignal, { pageId: this.pageId, result, unreportedAttempts })
      .catch(() => undefined);
  }

  private send(): void {
    if (this.sending || this.failures === 0) return;
    const report = this.labelled(this.failures);
    this.attempts = 0;
    this.failures = 0;
    this.sending = this.coordinator()
      .signal(pageFailuresSignal, report)
      .catch(() => undefined)
      .then(() => {
        this.sending = undefined;
        this.send();
      });
  }

  private labelled(failures: number): PageFailureReport {
    const { pageId, attempts, lastError, resumes } = this;
    return { pageId, attempts, failures, lastError, resumes };
  }

  private coordinator() {
    return getExternalWorkflowHandle(this.coordinatorId);
  }
}
