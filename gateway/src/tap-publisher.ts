/**
 * Moves taps from the disk queue to `…/taps` and forgets them only when the server acks their ids.
 *
 * Two lanes, one rule each:
 * - live: a tap stored while connected is published at once (taps of the same tick coalesced into
 *   one message), so a student tapping during a long drain reaches the dashboard in milliseconds;
 * - backlog: unacked taps read from disk in seq order, up to `batchMax` a message, with at most
 *   `maxInFlightBatches` messages' worth of taps awaiting the server's ack, so a 100k backlog
 *   drains at full speed without the memory of it.
 * Every message is in seq order; across the two lanes a live tap may overtake the backlog, which the
 * server does not mind (it orders by `at` and stores each id once).
 * A tap published and not acked within `resendAfterMs` is published again, same id; further
 * resends of the same tap back off (×2 each, at most `maxResendMs`) so a server that is down
 * while the broker is up does not get the same taps piled up in its session every 10 s. On every
 * reconnect the cursor restarts at the oldest unacked tap: whatever was in flight is sent again.
 */
import { MAX_MESSAGE_BYTES, type Tap } from '@rfid/protocol';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './metrics.js';
import { toWireTap, type StoredTap, type TapQueue } from './tap-queue.js';

export type Lane = 'live' | 'backlog' | 'resend';

export interface TapPublisherDeps {
  queue: TapQueue;
  batchMax: number;
  maxInFlightBatches: number;
  resendAfterMs: number;
  /** Longest wait between resends of one tap (default 5 min). */
  maxResendMs?: number;
  /** Publish one `{"taps":[…]}` message; resolves on PUBACK. */
  send: (payload: string) => Promise<void>;
  metrics: GatewayMetrics;
  log: Logger;
  onPublished?: (taps: Tap[], lane: Lane) => void;
  onAcked?: (ids: string[]) => void;
  /** Monotonic ms (performance.now in production). */
  now?: () => number;
}

interface InFlight {
  tap: StoredTap;
  sentAtMs: number;
  firstSentAtMs: number;
  /** Publishes so far (1 = sent once). */
  sends: number;
}

export const DEFAULT_MAX_RESEND_MS = 300_000;

export class TapPublisher {
  private connected = false;
  private cursor = 0;
  private readonly inFlight = new Map<string, InFlight>();
  private live: StoredTap[] = [];
  private liveScheduled: NodeJS.Immediate | undefined;
  private resendTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: TapPublisherDeps) {
    this.now = deps.now ?? (() => performance.now());
  }

  start(): void {
    const every = Math.max(50, Math.min(1_000, this.deps.resendAfterMs / 2));
    this.resendTimer = setInterval(() => this.resendDue(), every);
  }

  stop(): void {
    clearInterval(this.resendTimer);
    if (this.liveScheduled) clearImmediate(this.liveScheduled);
    this.liveScheduled = undefined;
    this.connected = false;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    this.cursor = 0;
    this.inFlight.clear();
    this.live = [];
    if (connected) this.pump();
  }

  /** A tap was just stored. */
  onStored(tap: StoredTap): void {
    if (!this.connected) return; // it waits on disk; the backlog lane sends it after reconnect
    this.live.push(tap);
    this.liveScheduled ??= setImmediate(() => {
      this.liveScheduled = undefined;
      const taps = this.live.filter((t) => !this.inFlight.has(t.id));
      this.live = [];
      if (this.connected && taps.length)
        for (let i = 0; i < taps.length; i += this.deps.batchMax)
          this.publish(taps.slice(i, i + this.deps.batchMax), 'live');
    });
  }

  /** Ids acked by the server (`…/acks`), in any order, possibly repeated or unknown. */
  onAcks(ids: readonly string[]): void {
    const acked = this.deps.queue.ack(ids);
    const t = this.now();
    for (const id of ids) {
      const f = this.inFlight.get(id);
      if (f) {
        this.deps.metrics.ackLatency.observe((t - f.firstSentAtMs) / 1000);
        this.inFlight.delete(id);
      }
    }
    if (acked > 0) this.deps.metrics.acked.inc(acked);
    this.deps.onAcked?.(ids.slice());
    this.pump();
  }

  /** Fill the in-flight window from the backlog, oldest first. */
  pump(): void {
    const window = this.deps.batchMax * this.deps.maxInFlightBatches;
    while (this.connected && this.inFlight.size < window) {
      const room = Math.min(this.deps.batchMax, window - this.inFlight.size);
      const rows = this.deps.queue.pending(this.cursor, room);
      if (rows.length === 0) return;
      this.cursor = rows[rows.length - 1]!.seq;
      const fresh = rows.filter((t) => !this.inFlight.has(t.id));
      if (fresh.length) this.publish(fresh, 'backlog');
    }
  }

  /** Publish again what waited too long for its ack (called by a timer; public for tests). */
  resendDue(): void {
    if (!this.connected) return;
    const t = this.now();
    const first = this.deps.resendAfterMs;
    const max = Math.max(first, this.deps.maxResendMs ?? DEFAULT_MAX_RESEND_MS);
    const wait = (sends: number) => Math.min(first * 2 ** Math.min(sends - 1, 30), max);
    const due = [...this.inFlight.values()].filter((f) => t - f.sentAtMs >= wait(f.sends)).map((f) => f.tap);
    if (due.length === 0) return;
    due.sort((a, b) => a.seq - b.seq);
    this.deps.log.info({ count: due.length, firstSeq: due[0]!.seq }, 'no ack from the server: resending');
    for (let i = 0; i < due.length; i += this.deps.batchMax)
      this.publish(due.slice(i, i + this.deps.batchMax), 'resend');
  }

  private publish(taps: StoredTap[], lane: Lane): void {
    const wire = taps.map(toWireTap);
    const payload = JSON.stringify({ taps: wire });
    if (Buffer.byteLength(payload) > MAX_MESSAGE_BYTES && taps.length > 1) {
      // Only with unusually long raw fields: split rather than be refused by the server.
      const half = Math.ceil(taps.length / 2);
      this.publish(taps.slice(0, half), lane);
      this.publish(taps.slice(half), lane);
      return;
    }
    const t = this.now();
    for (const tap of taps) {
      const prev = this.inFlight.get(tap.id);
      this.inFlight.set(tap.id, {
        tap,
        sentAtMs: t,
        firstSentAtMs: prev?.firstSentAtMs ?? t,
        sends: (prev?.sends ?? 0) + 1,
      });
    }
    this.deps.metrics.published.inc({ lane }, taps.length);
    this.deps.log.debug(
      {
        lane,
        count: taps.length,
        firstSeq: taps[0]!.seq,
        tapIds: taps.length <= 5 ? taps.map((x) => x.id) : undefined,
      },
      'publishing taps',
    );
    this.deps.onPublished?.(wire, lane);
    this.deps.send(payload).then(
      () => this.deps.metrics.publishLatency.observe((this.now() - t) / 1000),
      (err: Error) =>
        this.deps.log.warn({ err: err.message, lane, count: taps.length }, 'publish failed; will resend'),
    );
  }
}
