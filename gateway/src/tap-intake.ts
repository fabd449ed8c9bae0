/**
 * What happens to a card read before anything else: repeat collapsing, the durable store, and the
 * smart terminal's answer. Works from local state alone (queue + last roster), so the gate keeps
 * greeting students while the link is down. No I/O of its own: the queue is injected.
 */
import {
  cardToText,
  newTapId,
  toDisplayText,
  toRfc3339,
  zonedTime,
  type AckResult,
  type CardId,
  type Clock,
  type SmartAck,
} from '@rfid/protocol';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './metrics.js';
import { RepeatFilter } from './repeat-filter.js';
import type { RosterIndex } from './roster-index.js';
import type { StoredAnswer, StoredTap, TapQueue } from './tap-queue.js';

/** A smart terminal resends a TAP every 1 s, 5 tries; a same-seq TAP this recent is a resend. */
export const SMART_RETRY_WINDOW_MS = 30_000;

export const UNKNOWN_CARD_TEXT = 'The chua dang ky';
export const STORE_ERROR_TEXT = 'Loi - xin quet lai';

export interface TerminalRef {
  id: string;
  direction?: 'in' | 'out';
}

export interface TapIntakeDeps {
  queue: TapQueue;
  clock: Clock;
  timeZone: string;
  repeatWindowMs: number;
  roster: () => RosterIndex;
  metrics: GatewayMetrics;
  log: Logger;
  onStored: (tap: StoredTap) => void;
}

export type ReadOutcome =
  { kind: 'stored'; tap: StoredTap } | { kind: 'repeat'; repeat: 'field' | 'window' } | { kind: 'error' };

interface RecentAnswer {
  card: string;
  ack: SmartAck;
  atMs: number;
}

export class TapIntake {
  private readonly repeats: RepeatFilter;
  /** Last answer per (terminal, terminal seq): a resent TAP gets the same ACK, not a new tap. */
  private readonly answers = new Map<string, RecentAnswer>();

  constructor(private readonly deps: TapIntakeDeps) {
    this.repeats = new RepeatFilter({ windowMs: deps.repeatWindowMs });
    // After a restart the repeat window goes on where it stopped.
    const since = deps.clock.now().getTime() - Math.max(deps.repeatWindowMs, SMART_RETRY_WINDOW_MS);
    for (const t of deps.queue.storedSince(since)) this.repeats.accept(t.terminal, t.card, t.storedAtMs);
  }

  /** A read from a read-only reader (rdm6300, decimal10, wiegand). */
  read(terminal: TerminalRef, card: CardId, raw: string): ReadOutcome {
    const now = this.deps.clock.now();
    const cardText = cardToText(card);
    this.deps.metrics.reads.inc({ terminal: terminal.id });
    const verdict = this.repeats.check(terminal.id, cardText, now.getTime());
    if (verdict.repeat) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: verdict.kind });
      return { kind: 'repeat', repeat: verdict.kind };
    }
    const student = this.deps.roster().lookup(card);
    const tap = this.store(terminal, cardText, raw, now, student ? 'OK' : 'UNKNOWN', '');
    return tap ? { kind: 'stored', tap } : { kind: 'error' };
  }

  /** A `TAP,<seq>,…` line of a smart terminal; returns the ACK to send (always one). */
  smartTap(terminal: TerminalRef, seq: number, card: CardId, raw: string): SmartAck {
    const now = this.deps.clock.now();
    const nowMs = now.getTime();
    const cardText = cardToText(card);
    const answerKey = `${terminal.id}\u0000${seq}`;

    const recent = this.answers.get(answerKey);
    if (recent && recent.card === cardText && nowMs - recent.atMs < SMART_RETRY_WINDOW_MS) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: 'retry' });
      return recent.ack;
    }
    // A resend after a restart: the tap was stored but the ACK may never have left.
    const stored = this.deps.queue.findTerminalTap(terminal.id, seq, cardText, nowMs - SMART_RETRY_WINDOW_MS);
    if (stored) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: 'retry' });
      return this.remember(answerKey, cardText, nowMs, { seq, result: stored.answer, text: stored.text });
    }

    this.deps.metrics.reads.inc({ terminal: terminal.id });
    const student = this.deps.roster().lookup(card);
    const verdict = this.repeats.check(terminal.id, cardText, nowMs);
    if (verdict.repeat) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: verdict.kind });
      const text = student
        ? `${student.name} ${this.clockText(new Date(verdict.firstAtMs))}`
        : UNKNOWN_CARD_TEXT;
      return this.remember(answerKey, cardText, nowMs, { seq, result: 'DUP', text });
    }
    const answer: StoredAnswer = student ? 'OK' : 'UNKNOWN';
    const text = toDisplayText(student ? `${student.name} ${this.clockText(now)}` : UNKNOWN_CARD_TEXT);
    const tap = this.store(terminal, cardText, raw, now, answer, text, seq);
    if (!tap) return { seq, result: 'ERR' satisfies AckResult, text: STORE_ERROR_TEXT };
    return this.remember(answerKey, cardText, nowMs, { seq, result: answer, text });
  }

  /** Bounded memory: forget answers and repeat state older than their windows. */
  prune(): void {
    const nowMs = this.deps.clock.now().getTime();
    this.repeats.prune(nowMs);
    for (const [key, a] of this.answers)
      if (nowMs - a.atMs >= SMART_RETRY_WINDOW_MS) this.answers.delete(key);
  }

  /** How long acked taps must stay on disk to serve retries and the repeat window after a restart. */
  get keepAckedMs(): number {
    return Math.max(this.deps.repeatWindowMs, SMART_RETRY_WINDOW_MS);
  }

  private store(
    terminal: TerminalRef,
    card: string,
    raw: string,
    now: Date,
    answer: StoredAnswer,
    text: string,
    terminalSeq?: number,
  ): StoredTap | undefined {
    let tap: StoredTap;
    try {
      tap = this.deps.queue.append({
        id: newTapId(),
        terminal: terminal.id,
        card,
        raw,
        at: toRfc3339(now, this.deps.timeZone),
        ...(terminal.direction ? { direction: terminal.direction } : {}),
        ...(terminalSeq !== undefined ? { terminalSeq } : {}),
        answer,
        text,
        storedAtMs: now.getTime(),
      });
    } catch (err) {
      this.deps.metrics.storeErrors.inc();
      this.deps.log.error({ err, terminal: terminal.id, card, raw }, 'tap could not be stored');
      return undefined;
    }
    this.repeats.accept(terminal.id, card, now.getTime());
    this.deps.metrics.stored.inc({ terminal: terminal.id, answer });
    this.deps.log.debug({ tapId: tap.id, seq: tap.seq, terminal: terminal.id, card, answer }, 'tap stored');
    this.deps.onStored(tap);
    return tap;
  }

  private remember(key: string, card: string, atMs: number, ack: SmartAck): SmartAck {
    this.answers.set(key, { card, ack, atMs });
    return ack;
  }

  private clockText(at: Date): string {
    return zonedTime(at, this.deps.timeZone).time.slice(0, 5);
  }
}
