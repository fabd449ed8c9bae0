/**
 * The durable tap queue: the one place a tap lives between the terminal and the server's ack.
 * Two implementations run one contract suite (`test/tap-queue.contract.ts`): SQLite for
 * production, in-memory for tests and tools. All calls are synchronous: `append` returns only once
 * the tap is durable, so the caller may acknowledge the terminal right after it.
 */
import type { Tap } from '@rfid/protocol';

/** What the terminal was told about a tap; kept so a retried TAP gets the same answer. */
export type StoredAnswer = 'OK' | 'UNKNOWN';

export interface NewTap {
  /** UUIDv7, made by the caller once, before the first store. */
  id: string;
  terminal: string;
  card: string;
  raw: string;
  /** RFC 3339 in the school's zone, from the gateway's clock. */
  at: string;
  direction?: 'in' | 'out';
  /** The smart terminal's own seq (0–65535), to recognise a retried TAP. */
  terminalSeq?: number;
  answer: StoredAnswer;
  /** Display text sent to a smart terminal (empty for read-only readers). */
  text: string;
  /** Clock time of storing, ms since the epoch (age limits, repeat window after restart). */
  storedAtMs: number;
}

export interface StoredTap extends NewTap {
  /** Gateway-wide seq: rises by one per stored tap, never reused, survives restarts. */
  seq: number;
  acked: boolean;
}

export interface QueueLimits {
  maxBytes?: number;
  maxDays?: number;
}

export interface TapQueue {
  /** Store a new tap and assign its seq; durable when this returns. */
  append(tap: NewTap): StoredTap;
  /** Store several taps atomically (one commit: group commit), seqs in the given order. */
  appendMany(taps: readonly NewTap[]): StoredTap[];
  /** Unacked taps with seq > afterSeq, ascending by seq, at most `limit`. */
  pending(afterSeq: number, limit: number): StoredTap[];
  /** Mark taps acked by the server (unknown ids are ignored); returns how many were pending. */
  ack(ids: readonly string[]): number;
  /** Number of unacked taps. */
  depth(): number;
  /** Bytes the unacked taps take (their wire JSON). */
  bytes(): number;
  /** A tap stored for this smart-terminal seq and card at or after `sinceMs` (acked or not). */
  findTerminalTap(
    terminal: string,
    terminalSeq: number,
    card: string,
    sinceMs: number,
  ): StoredTap | undefined;
  /** Taps stored at or after `sinceMs` (acked or not), ascending by seq. */
  storedSince(sinceMs: number): StoredTap[];
  /** Drop the oldest unacked taps past a limit; returns how many were dropped now. */
  enforceLimits(limits: QueueLimits, nowMs: number): number;
  /** Taps dropped by limits since the queue was created (persisted). */
  droppedTotal(): number;
  /** Forget acked taps stored before `beforeMs` (they were kept only for retries/repeats). */
  forgetAcked(beforeMs: number): number;
  /**
   * Taps from a source that pushes its own records again (ADMS terminals): each item's `key` names
   * the record at its source. In one commit, stores the taps whose key was never seen and
   * remembers every key (an item without a tap only marks its key seen). Returns the stored taps
   * and how many items were seen before.
   */
  appendOnce(items: readonly OnceItem[], nowMs: number): { stored: StoredTap[]; seen: number };
  /** Forget source keys remembered before `beforeMs` (a record older than that may come again). */
  forgetKeys(beforeMs: number): number;
  close(): void;
}

export interface OnceItem {
  key: string;
  tap?: NewTap;
}

/** The tap as it goes on the wire (CONTRACT §3). */
export function toWireTap(t: StoredTap): Tap {
  const tap: Tap = { id: t.id, terminal: t.terminal, card: t.card, raw: t.raw, at: t.at, seq: t.seq };
  if (t.direction) tap.direction = t.direction;
  return tap;
}

/** Size that counts against `maxBytes`: the tap's wire JSON. */
export function wireSize(t: StoredTap): number {
  return Buffer.byteLength(JSON.stringify(toWireTap(t)));
}

export const DAY_MS = 86_400_000;
