/**
 * What this process has seen committed of attendance days, to leave out the taps that cannot
 * change their day. A day's earliest IN only ever moves earlier and its latest OUT only later
 * (ingest writes LEAST/GREATEST; a manual mark or the absence job never touch them), so "the
 * committed day had an IN at or before T" stays true whatever other writers or replicas do later.
 * An IN at or after that bound, or an OUT at or before the known latest OUT, would write nothing:
 * it is stored as a tap and sent to the dashboards, and the day is not touched. A day this process
 * has not seen goes to the database, which decides as before.
 *
 * Kept by date, then student: the few most recent dates (a backlog from an offline gateway brings
 * an older one for a while), each with at most `maxPerDate` students. The student id strings are
 * the card directory's own, so an entry costs little more than its two numbers (~70 bytes).
 */
interface Bounds {
  firstIn: number | null;
  lastOut: number | null;
}

export class KnownDays {
  /** date → student → bounds; a Map's order is the dates' order of last use. */
  private readonly dates = new Map<string, Map<string, Bounds>>();

  constructor(
    private readonly maxPerDate = 200_000,
    private readonly maxDates = 3,
  ) {}

  /** Whether a tap at `at` (ms) in this direction could still change the day. */
  mayChange(studentId: string, date: string, direction: 'in' | 'out', at: number): boolean {
    const d = this.dates.get(date)?.get(studentId);
    if (!d) return true;
    return direction === 'in' ? d.firstIn === null || at < d.firstIn : d.lastOut === null || at > d.lastOut;
  }

  /** After COMMIT: the day now has an IN at or before `firstIn` and an OUT at or after `lastOut`. */
  learn(studentId: string, date: string, firstIn: number | null, lastOut: number | null): void {
    let students = this.dates.get(date);
    if (students) {
      this.dates.delete(date); // most recently used last
      this.dates.set(date, students);
    } else {
      students = new Map();
      this.dates.set(date, students);
      while (this.dates.size > this.maxDates) this.dates.delete(this.dates.keys().next().value!);
    }
    const d = students.get(studentId);
    if (d) {
      if (firstIn !== null && (d.firstIn === null || firstIn < d.firstIn)) d.firstIn = firstIn;
      if (lastOut !== null && (d.lastOut === null || lastOut > d.lastOut)) d.lastOut = lastOut;
      return;
    }
    if (students.size >= this.maxPerDate) students.clear(); // beyond any school day: start over
    students.set(studentId, { firstIn, lastOut });
  }

  get size(): number {
    let n = 0;
    for (const s of this.dates.values()) n += s.size;
    return n;
  }
}
