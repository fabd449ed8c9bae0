/** Per-provider limits: at most `concurrency` calls at once and `perSecond` started per second (token bucket). */
export class ChannelLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly concurrency: number,
    private readonly perSecond: number,
  ) {
    this.tokens = Math.max(1, perSecond);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    while (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      await this.token();
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async token(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(
        Math.max(1, this.perSecond),
        this.tokens + ((now - this.last) / 1000) * this.perSecond,
      );
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}
