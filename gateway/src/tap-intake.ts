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
  type CardId,
  type Clock,
  type SmartAck,
} from '@rfid/protocol';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './metrics.js';
import { RepeatFilter } from './repeat-filter.js';
import type { RosterIndex } from './roster-index.js';
import type { NewTap, StoredAnswer, StoredTap, TapQueue } from './tap-queue.js';

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

interface PendingStore {
  input: NewTap;
  answerKey?: string;
  ack?: SmartAck;
  waiters: ((tap: StoredTap | undefined) => void)[];
}

function errAck(seq: number): SmartAck {
  return { seq, result: 'ERR', text: STORE_ERROR_TEXT };
}

interface RecentAnswer {
  card: string;
  ack: SmartAck;
  atMs: number;
}

export class TapIntake {
  private readonly repeats: RepeatFilter;
  /** Last answer per (terminal, terminal seq): a resent TAP gets the same ACK, not a new tap. */
  private readonly answers = new Map<string, RecentAnswer>();
  /** Taps waiting for this turn's group commit. */
  private batch: PendingStore[] = [];
  private readonly pendingByAnswerKey = new Map<string, PendingStore>();
  private flushTimer: NodeJS.Immediate | undefined;

  constructor(private readonly deps: TapIntakeDeps) {
    this.repeats = new RepeatFilter({ windowMs: deps.repeatWindowMs });
    // After a restart the repeat window goes on where it stopped.
    const since = deps.clock.now().getTime() - Math.max(deps.repeatWindowMs, SMART_RETRY_WINDOW_MS);
    for (const t of deps.queue.storedSince(since)) this.repeats.accept(t.terminal, t.card, t.storedAtMs);
  }

  /** A read from a read-only reader (rdm6300, decimal10, wiegand). */
  read(terminal: TerminalRef, card: CardId, raw: string): Promise<ReadOutcome> {
    const now = this.deps.clock.now();
    const cardText = cardToText(card);
    this.deps.metrics.reads.inc({ terminal: terminal.id });
    const verdict = this.repeats.check(terminal.id, cardText, now.getTime());
    if (verdict.repeat) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: verdict.kind });
      return Promise.resolve({ kind: 'repeat', repeat: verdict.kind });
    }
    const student = this.deps.roster().lookup(card);
    return this.store(terminal, cardText, raw, now, student ? 'OK' : 'UNKNOWN', '').then((tap) =>
      tap ? { kind: 'stored', tap } : { kind: 'error' },
    );
  }

  /**
   * A `TAP,<seq>,…` line of a smart terminal; resolves with the ACK to send (always one), once the
   * tap is committed. Taps arriving in the same event-loop turn share one commit (group commit).
   */
  smartTap(terminal: TerminalRef, seq: number, card: CardId, raw: string): Promise<SmartAck> {
    const now = this.deps.clock.now();
    const nowMs = now.getTime();
    const cardText = cardToText(card);
    const answerKey = `${terminal.id}\u0000${seq}`;

    const recent = this.answers.get(answerKey);
    if (recent && recent.card === cardText && nowMs - recent.atMs < SMART_RETRY_WINDOW_MS) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: 'retry' });
      return Promise.resolve(recent.ack);
    }
    const inBatch = this.pendingByAnswerKey.get(answerKey);
    if (inBatch && inBatch.input.card === cardText && inBatch.ack) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: 'retry' });
      const ack = inBatch.ack;
      return new Promise((resolve) => inBatch.waiters.push((tap) => resolve(tap ? ack : errAck(seq))));
    }
    // A resend after a restart: the tap was stored but the ACK may never have left.
    const stored = this.deps.queue.findTerminalTap(terminal.id, seq, cardText, nowMs - SMART_RETRY_WINDOW_MS);
    if (stored) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: 'retry' });
      return Promise.resolve(
        this.remember(answerKey, cardText, nowMs, { seq, result: stored.answer, text: stored.text }),
      );
    }

    this.deps.metrics.reads.inc({ terminal: terminal.id });
    const student = this.deps.roster().lookup(card);
    const verdict = this.repeats.check(terminal.id, cardText, nowMs);
    if (verdict.repeat) {
      this.deps.metrics.repeats.inc({ terminal: terminal.id, kind: verdict.kind });
      const text = student
        ? `${student.name} ${this.clockText(new Date(verdict.firstAtMs))}`
        : UNKNOWN_CARD_TEXT;
      return Promise.resolve(this.remember(answerKey, cardText, nowMs, { seq, result: 'DUP', text }));
    }
    const answer: StoredAnswer = student ? 'OK' : 'UNKNOWN';
    const text = toDisplayText(student ? `${student.name} ${this.clockText(now)}` : UNKNOWN_CARD_TEXT);
    const ack: SmartAck = { seq, result: answer, text };
    return this.store(terminal, cardText, raw, now, answer, text, seq, answerKey, ack).then((tap) =>
      tap ? this.remember(answerKey, cardText, nowMs, ack) : errAck(seq),
    );
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

  /** Commit the taps waiting for this turn's group commit now (also called before the queue closes). */
  flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    let stored: StoredTap[] | undefined;
    try {
      stored = this.deps.queue.appendMany(batch.map((b) => b.input));
    } catch (err) {
      this.deps.metrics.storeErrors.inc(batch.length);
      this.deps.log.error(
        {
          err,
          taps: batch.map((b) => ({ terminal: b.input.terminal, card: b.input.card, raw: b.input.raw })),
        },
        'taps could not be stored',
      );
      // Not stored: the terminal's retry must not be taken for a repeat.
      for (const b of batch) this.repeats.forget(b.input.terminal, b.input.card);
    }
    batch.forEach((b, i) => {
      if (b.answerKey) this.pendingByAnswerKey.delete(b.answerKey);
      const tap = stored?.[i];
      if (tap) {
        this.deps.metrics.stored.inc({ terminal: tap.terminal, answer: tap.answer });
        this.deps.log.debug(
          { tapId: tap.id, seq: tap.seq, terminal: tap.terminal, card: tap.card, answer: tap.answer },
          'tap stored',
        );
        this.deps.onStored(tap);
      }
      for (const w of b.waiters) w(tap);
    });
  }

  private store(
    terminal: TerminalRef,
    card: string,
    raw: string,
    now: Date,
    answer: StoredAnswer,
    text: string,
    terminalSeq?: number,
    answerKey?: string,
    ack?: SmartAck,
  ): Promise<StoredTap | undefined> {
    const pending: PendingStore = {
      input: {
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
      },
      waiters: [],
      ...(answerKey ? { answerKey } : {}),
      ...(ack ? { ack } : {}),
    };
    // Counted as accepted at once, so the same card again in this turn is a repeat.
    this.repeats.accept(terminal.id, card, now.getTime());
    this.batch.push(pending);
    if (answerKey) this.pendingByAnswerKey.set(answerKey, pending);
    this.flushTimer ??= setImmediate(() => this.flush());
    return new Promise((resolve) => pending.waiters.push(resolve));
  }

  private remember(key: string, card: string, atMs: number, ack: SmartAck): SmartAck {
    this.answers.set(key, { card, ack, atMs });
    return ack;
  }

  private clockText(at: Date): string {
    return zonedTime(at, this.deps.timeZone).time.slice(0, 5);
  }
}
