import type { Outcome } from './notifications.repository.js';

/**
 * Writes a round's outcomes in small batches as they arrive: whatever came in within `lingerMs`
 * (or `maxBatch` of them) goes in one statement, one statement at a time. `close()` writes the
 * rest and fails if any write failed (the round's leases then expire and the rows are claimed again).
 */
export class OutcomeWriter {
  private pending: Outcome[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private error: unknown = null;
  private total = 0;
  private written = 0;

  constructor(
    private readonly write: (batch: Outcome[]) => Promise<number>,
    private readonly lingerMs = 10,
    private readonly maxBatch = 250,
  ) {}

  push(o: Outcome): void {
    this.pending.push(o);
    this.total++;
    if (this.pending.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.chain = this.chain.then(async () => {
      if (this.error !== null) return;
      try {
        this.written += await this.write(batch);
      } catch (e) {
        this.error = e;
      }
    });
  }

  async close(): Promise<{ total: number; written: number }> {
    this.flush();
    await this.chain;
    if (this.error !== null) throw this.error;
    return { total: this.total, written: this.written };
  }
}
