import { condition, isCancellation, log } from '@temporalio/workflow';
import { kmsQueueRate, type TaskLimits } from '../common/kms-budget';
import { kmsQueueActivity } from './activity-proxies';

/** How long the KMS queue ran at the warm-up rate after a start, a resume or a new budget. */
export const KMS_WARM_UP_MS = 5000;
type KmsQueuePhase = 'warm-up' | 'steady';

/**
 * Kept for coordinators replayed from before the KMS queue had one rate (common/kms-budget.ts): each stretch
 * of work (the start, a resume, a new budget) ran at a warm-up rate for KMS_WARM_UP_MS, then at a steady
 * rate, which this set; both are now the one rate. `steadyDue` is carried into continue-as-new.
 */
export class KmsQueuePace {
  private steadyDue: number | undefined;

  constructor(
    private readonly budgetRps: () => number,
    private readonly migrationId: string,
    private readonly limits: TaskLimits,
    steadyDue: number | undefined,
  ) {
    this.steadyDue = steadyDue;
    // A cancelled migration cancels the wait; an unhandled rejection would fail the workflow task instead.
    this.raiseWhenDue().catch((err) => {
      if (!isCancellation(err)) log.error('KMS queue pace stopped', { error: (err as Error).message });
    });
  }

  /** A new stretch of work: the steady rate comes KMS_WARM_UP_MS from now; `lower` sets the warm-up rate first. */
  warmUp(lower: boolean): void {
    this.steadyDue = Date.now() + KMS_WARM_UP_MS;
    if (lower) void this.set('warm-up');
  }

  get carried(): number | undefined {
    return this.steadyDue;
  }

  private async raiseWhenDue(): Promise<void> {
    for (;;) {
      await condition(() => this.steadyDue !== undefined);
      const due = this.steadyDue!;
      const wait = due - Date.now();
      if (wait > 0 && (await condition(() => this.steadyDue !== due, wait))) continue; // warmed up again meanwhile
      this.steadyDue = undefined;
      await this.set('steady');
    }
  }

  private async set(phase: KmsQueuePhase): Promise<void> {
    const budget = this.budgetRps();
    try {
      await kmsQueueActivity({ tasksPerSecond: kmsQueueRate(budget, this.limits), reason: `${this.migrationId}: ${budget} KMS requests/s (${phase})` });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Below the budget either way: a queue left at the warm-up rate only migrates a little slower.
      log.warn('could not set the KMS queue rate', { phase, error: (err as Error).message });
    }
  }
}
