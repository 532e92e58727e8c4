import { condition, isCancellation, log } from '@temporalio/workflow';
import { KMS_WARM_UP_MS, kmsQueueRate, type KmsQueuePhase } from '../common/kms-budget';
import { kmsQueueActivity } from './activity-proxies';

/**
 * The KMS queue's rate over a migration: each stretch of work (the start, a resume, a new budget) runs at the
 * warm-up rate for KMS_WARM_UP_MS, then at the steady rate (common/kms-budget.ts says why). The client sets
 * the warm-up rate before a start and at set-rate; this lowers it at a resume and raises it when the warm-up
 * is over. `steadyDue` is carried into continue-as-new.
 */
export class KmsQueuePace {
  private steadyDue: number | undefined;

  constructor(
    private readonly budgetRps: () => number,
    private readonly migrationId: string,
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
      await kmsQueueActivity({ tasksPerSecond: kmsQueueRate(budget, phase), reason: `${this.migrationId}: ${budget} KMS requests/s (${phase})` });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Below the budget either way: a queue left at the warm-up rate only migrates a little slower.
      log.warn('could not set the KMS queue rate', { phase, error: (err as Error).message });
    }
  }
}
