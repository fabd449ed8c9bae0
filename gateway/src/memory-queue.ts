/** In-memory TapQueue: same contract as SQLite, nothing survives the process. For tests and tools. */
import {
  DAY_MS,
  wireSize,
  type NewTap,
  type OnceItem,
  type QueueLimits,
  type StoredTap,
  type TapQueue,
} from './tap-queue.js';

export class MemoryTapQueue implements TapQueue {
  private readonly taps = new Map<number, StoredTap>(); // insertion order = seq order
  private readonly byId = new Map<string, StoredTap>();
  private nextSeq = 1;
  private pendingCount = 0;
  private pendingBytes = 0;
  private dropped = 0;
  private readonly keys = new Map<string, number>();

  append(input: NewTap): StoredTap {
    if (this.byId.has(input.id)) throw new Error(`tap ${input.id} is already stored`);
    const tap: StoredTap = { ...input, seq: this.nextSeq++, acked: false };
    this.taps.set(tap.seq, tap);
    this.byId.set(tap.id, tap);
    this.pendingCount++;
    this.pendingBytes += wireSize(tap);
    return { ...tap };
  }

  appendMany(taps: readonly NewTap[]): StoredTap[] {
    const ids = new Set<string>();
    for (const t of taps) {
      if (this.byId.has(t.id) || ids.has(t.id)) throw new Error(`tap ${t.id} is already stored`);
      ids.add(t.id);
    }
    return taps.map((t) => this.append(t));
  }

  pending(afterSeq: number, limit: number): StoredTap[] {
    const out: StoredTap[] = [];
    for (const t of this.taps.values()) {
      if (out.length >= limit) break;
      if (!t.acked && t.seq > afterSeq) out.push({ ...t });
    }
    return out;
  }

  ack(ids: readonly string[]): number {
    let n = 0;
    for (const id of ids) {
      const t = this.byId.get(id);
      if (t && !t.acked) {
        t.acked = true;
        this.pendingCount--;
        this.pendingBytes -= wireSize(t);
        n++;
      }
    }
    return n;
  }

  depth(): number {
    return this.pendingCount;
  }

  bytes(): number {
    return this.pendingBytes;
  }

  findTerminalTap(
    terminal: string,
    terminalSeq: number,
    card: string,
    sinceMs: number,
  ): StoredTap | undefined {
    let found: StoredTap | undefined;
    for (const t of this.taps.values()) {
      if (
        t.terminal === terminal &&
        t.terminalSeq === terminalSeq &&
        t.card === card &&
        t.storedAtMs >= sinceMs
      )
        found = t;
    }
    return found && { ...found };
  }

  storedSince(sinceMs: number): StoredTap[] {
    return [...this.taps.values()].filter((t) => t.storedAtMs >= sinceMs).map((t) => ({ ...t }));
  }

  enforceLimits(limits: QueueLimits, nowMs: number): number {
    let n = 0;
    for (const t of this.taps.values()) {
      if (t.acked) continue;
      const tooOld = limits.maxDays !== undefined && t.storedAtMs < nowMs - limits.maxDays * DAY_MS;
      const tooBig = limits.maxBytes !== undefined && this.pendingBytes > limits.maxBytes;
      if (tooOld || tooBig) {
        this.remove(t);
        n++;
      }
    }
    this.dropped += n;
    return n;
  }

  droppedTotal(): number {
    return this.dropped;
  }

  forgetAcked(beforeMs: number): number {
    let n = 0;
    for (const t of this.taps.values()) {
      if (t.acked && t.storedAtMs < beforeMs) {
        this.taps.delete(t.seq);
        this.byId.delete(t.id);
        n++;
      }
    }
    return n;
  }

  appendOnce(items: readonly OnceItem[], nowMs: number): { stored: StoredTap[]; seen: number } {
    const fresh: NewTap[] = [];
    let seen = 0;
    for (const item of items) {
      if (this.keys.has(item.key)) seen++;
      else {
        this.keys.set(item.key, nowMs);
        if (item.tap) fresh.push(item.tap);
      }
    }
    return { stored: this.appendMany(fresh), seen };
  }

  forgetKeys(beforeMs: number): number {
    let n = 0;
    for (const [key, at] of this.keys)
      if (at < beforeMs) {
        this.keys.delete(key);
        n++;
      }
    return n;
  }

  close(): void {}

  private remove(t: StoredTap): void {
    this.taps.delete(t.seq);
    this.byId.delete(t.id);
    if (!t.acked) {
      this.pendingCount--;
      this.pendingBytes -= wireSize(t);
    }
  }
}
