/**
 * What this process has seen committed of attendance days, to leave out the taps that cannot
 * change their day. A day's earliest IN only ever moves earlier and its latest OUT only later
 * (ingest writes LEAST/GREATEST; a manual mark or the absence job never touch them), so "the
 * committed day had an IN at or before T" stays true whatever other writers or replicas do later.
 * An IN at or after that bound, or an OUT at or before the known latest OUT, would write nothing:
 * it is stored as a tap and sent to the dashboards, and the day is not touched. A day this process
 * has not seen goes to the database, which decides as before.
 */
export class KnownDays {
  private readonly days = new Map<string, { firstIn: number | null; lastOut: number | null }>();

  constructor(private readonly maxDays = 300_000) {}

  /** Whether a tap at `at` (ms) in this direction could still change the day. */
  mayChange(studentId: string, date: string, direction: 'in' | 'out', at: number): boolean {
    const d = this.days.get(`${studentId}|${date}`);
    if (!d) return true;
    return direction === 'in' ? d.firstIn === null || at < d.firstIn : d.lastOut === null || at > d.lastOut;
  }

  /** After COMMIT: the day now has an IN at or before `firstIn` and an OUT at or after `lastOut`. */
  learn(studentId: string, date: string, firstIn: number | null, lastOut: number | null): void {
    const key = `${studentId}|${date}`;
    const d = this.days.get(key);
    if (d) {
      if (firstIn !== null && (d.firstIn === null || firstIn < d.firstIn)) d.firstIn = firstIn;
      if (lastOut !== null && (d.lastOut === null || lastOut > d.lastOut)) d.lastOut = lastOut;
      return;
    }
    if (this.days.size >= this.maxDays) this.evictOldest();
    this.days.set(key, { firstIn, lastOut });
  }

  /** Drop the first-learned tenth (yesterday's days go first). */
  private evictOldest(): void {
    let n = Math.max(1, Math.floor(this.maxDays / 10));
    for (const k of this.days.keys()) {
      this.days.delete(k);
      if (--n === 0) break;
    }
  }

  get size(): number {
    return this.days.size;
  }
}
