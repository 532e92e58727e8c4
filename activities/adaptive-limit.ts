/**
 * Additive-increase, multiplicative-decrease limit on concurrent S3 requests, per worker process:
 * throttling halves it (at most once a second, so one burst of 503s counts once), each window of
 * `limit` successes raises it by one, back up to the maximum once throttling stops.
 */
export class AdaptiveLimit {
  limit: number;
  private inFlight = 0;
  private successes = 0;
  private lastDecrease = -Infinity;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly max: number,
    private readonly onChange: (limit: number, cause: 'throttled' | 'recovering') => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = max;
  }

  /** Runs one request within the limit, and counts how it went (`isThrottling` tells a throttled failure). */
  async around<T>(request: () => Promise<T>, isThrottling: (err: unknown) => boolean): Promise<T> {
    await this.acquire();
    try {
      const result = await request();
      this.release('ok');
      return result;
    } catch (err) {
      this.release(isThrottling(err) ? 'throttled' : 'error');
      throw err;
    }
  }

  async acquire(): Promise<void> {
    if (this.inFlight < this.limit) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve)); // the releaser counted us in
  }

  release(outcome: 'ok' | 'throttled' | 'error'): void {
    this.inFlight--;
    if (outcome === 'throttled' && this.now() - this.lastDecrease >= 1000 && this.limit > 1) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.lastDecrease = this.now();
      this.successes = 0;
      this.onChange(this.limit, 'throttled');
    } else if (outcome === 'ok' && this.limit < this.max && ++this.successes >= this.limit) {
      this.successes = 0;
      this.limit++;
      this.onChange(this.limit, 'recovering');
    }
    while (this.inFlight < this.limit && this.waiting.length > 0) {
      this.inFlight++;
      this.waiting.shift()!();
    }
  }
}
