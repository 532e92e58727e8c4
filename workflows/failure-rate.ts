/**
 * Stop-early rule, as S3 Batch Operations has: trip when at least `share` of the first `firstAttempts`
 * attempts failed, or of the last `window` attempts. Pure and deterministic: used inside workflows.
 */
export class FailureRate {
  private attempts = 0;
  /** The first attempts, counted in whole records: a record's outcomes are not ordered within it. */
  private firstCounted = 0;
  private failuresInFirst = 0;
  /** Recent outcomes as [attempts, failures] chunks, covering at least the last `window` attempts. */
  private recent: [number, number][] = [];
  private recentAttempts = 0;
  private recentFailures = 0;

  constructor(
    private readonly share: number,
    private readonly firstAttempts = 100,
    private readonly window = 1000,
  ) {}

  /** Records outcomes; returns why the rule tripped, or undefined. */
  record(attempts: number, failures: number): string | undefined {
    if (attempts === 0 || this.share >= 1) return undefined;
    if (this.attempts < this.firstAttempts) {
      this.firstCounted += attempts;
      this.failuresInFirst += failures;
    }
    this.attempts += attempts;
    this.recent.push([attempts, failures]);
    this.recentAttempts += attempts;
    this.recentFailures += failures;
    while (this.recent.length > 1 && this.recentAttempts - this.recent[0][0] >= this.window) {
      const [a, f] = this.recent.shift()!;
      this.recentAttempts -= a;
      this.recentFailures -= f;
    }
    if (this.failuresInFirst >= this.share * Math.max(this.firstCounted, this.firstAttempts)) {
      return `${this.failuresInFirst} of the first ${this.firstCounted} objects failed`;
    }
    if (this.recentAttempts >= this.window && this.recentFailures >= this.share * this.recentAttempts) {
      return `${this.recentFailures} of the last ${this.recentAttempts} objects failed`;
    }
    return undefined;
  }
}
