/**
 * Collapses repeated reads of one card on one terminal (pure; time is passed in):
 * - the reader's own frame repeats (an RDM6300 repeats its frame while the card stays in the
 *   field): a read less than `fieldGapMs` after the previous read of that card is always a repeat,
 *   however long the card is held;
 * - a repeat tap: a read less than `windowMs` after the last accepted tap of that card.
 */
export interface RepeatFilterOptions {
  windowMs: number;
  /** Reads closer together than this are the same presentation of the card. */
  fieldGapMs?: number;
}

export type RepeatVerdict = { repeat: false } | { repeat: true; kind: 'field' | 'window'; firstAtMs: number };

interface CardSeen {
  acceptedAtMs: number;
  lastReadMs: number;
}

export const DEFAULT_FIELD_GAP_MS = 1500;

export class RepeatFilter {
  private readonly seen = new Map<string, CardSeen>();
  private readonly windowMs: number;
  private readonly fieldGapMs: number;

  constructor(opts: RepeatFilterOptions) {
    this.windowMs = opts.windowMs;
    this.fieldGapMs = opts.fieldGapMs ?? DEFAULT_FIELD_GAP_MS;
  }

  /**
   * Judge a read at `nowMs`. A read that is not a repeat becomes the new reference only through
   * `accept` (called once the tap is stored), so a failed store does not turn the retry into a DUP.
   */
  check(terminal: string, card: string, nowMs: number): RepeatVerdict {
    const key = `${terminal}\u0000${card}`;
    const s = this.seen.get(key);
    if (s) {
      const sinceRead = nowMs - s.lastReadMs;
      s.lastReadMs = Math.max(s.lastReadMs, nowMs);
      if (sinceRead >= 0 && sinceRead < this.fieldGapMs)
        return { repeat: true, kind: 'field', firstAtMs: s.acceptedAtMs };
      const sinceAccepted = nowMs - s.acceptedAtMs;
      if (sinceAccepted >= 0 && sinceAccepted < this.windowMs)
        return { repeat: true, kind: 'window', firstAtMs: s.acceptedAtMs };
    }
    return { repeat: false };
  }

  /** Record an accepted tap (also for taps loaded from the queue after a restart). */
  accept(terminal: string, card: string, acceptedAtMs: number): void {
    const key = `${terminal}\u0000${card}`;
    const s = this.seen.get(key);
    if (!s || s.acceptedAtMs < acceptedAtMs) this.seen.set(key, { acceptedAtMs, lastReadMs: acceptedAtMs });
  }

  /** Forget a card's state on a terminal (its tap could not be stored). */
  forget(terminal: string, card: string): void {
    this.seen.delete(`${terminal}\u0000${card}`);
  }

  /** Forget cards not seen for longer than both windows (bounded memory). */
  prune(nowMs: number): void {
    const keep = Math.max(this.windowMs, this.fieldGapMs);
    for (const [key, s] of this.seen) if (nowMs - s.lastReadMs > keep) this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
