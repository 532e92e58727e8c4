/**
 * At most `size` holders at once, in workflow code: a freed slot goes straight to the longest waiter, so a
 * crowd waiting for slots never overshoots (deterministic: promises only, no timers).
 */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.used < this.size) this.used++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over in use
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.used--;
    }
  }
}
