import type { FailureRateState } from './types';

export function emptyFailureRateState(): FailureRateState {
  return { attempts: 0, firstCounted: 0, failuresInFirst: 0, recent: [], recentAttempts: 0, recentFailures: 0 };
}

/**
 * Stop-early rule, as S3 Batch Operations has: trip when at least `share` of the first `firstAttempts`
 * attempts failed, or of the last `window` attempts. Pure and deterministic: used inside workflows.
 */
export class FailureRate {
  constructor(
    private readonly share: number,
    readonly state: FailureRateState = emptyFailureRateState(),
    private readonly firstAttempts = 100,
    private readonly window = 1000,
  ) {}

  /** Starts counting afresh: after an operator's resume, failures from before it must not trip the rule again. */
  reset(): void {
    Object.assign(this.state, emptyFailureRateState());
  }

  /** Records outcomes; returns why the rule tripped, or undefined. */
  record(attempts: number, failures: number): string | undefined {
    const s = this.state;
    if (attempts === 0 || this.share >= 1) return undefined;
    if (s.attempts < this.firstAttempts) {
      s.firstCounted += attempts;
      s.failuresInFirst += failures;
    }
    s.attempts += attempts;
    s.recent.push([attempts, failures]);
    s.recentAttempts += attempts;
    s.recentFailures += failures;
    while (s.recent.length > 1 && s.recentAttempts - s.recent[0][0] >= this.window) {
      const [a, f] = s.recent.shift()!;
      s.recentAttempts -= a;
      s.recentFailures -= f;
    }
    if (s.failuresInFirst >= this.share * Math.max(s.firstCounted, this.firstAttempts)) {
      return `${s.failuresInFirst} of the first ${s.firstCounted} objects failed`;
    }
    if (s.recentAttempts >= this.window && s.recentFailures >= this.share * s.recentAttempts) {
      return `${s.recentFailures} of the last ${s.recentAttempts} objects failed`;
    }
    return undefined;
  }
}
