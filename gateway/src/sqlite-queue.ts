/**
 * The production TapQueue: SQLite through better-sqlite3, WAL mode, `synchronous = FULL`.
 *
 * Why FULL and not NORMAL: in WAL mode NORMAL survives a crash of the process (kill -9) but not a
 * power cut — the last commits may be rolled back because the WAL is not fsynced at each commit.
 * A gateway on a Raspberry Pi at a rural school gate loses power; a student who saw "OK" on the
 * display must be recorded. FULL fsyncs the WAL on every commit, before `append` returns and
 * therefore before the terminal gets its ACK. Cost: one fsync per tap (~1–10 ms on an SD card),
 * well within the 50 ms ACK budget and far above the gate's tap rate.
 *
 * This file is the only one that touches the database.
 */
import Database from 'better-sqlite3';
import {
  DAY_MS,
  wireSize,
  type NewTap,
  type OnceItem,
  type QueueLimits,
  type StoredTap,
  type TapQueue,
} from './tap-queue.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS taps (
  seq          INTEGER PRIMARY KEY,
  id           TEXT    NOT NULL UNIQUE,
  terminal     TEXT    NOT NULL,
  card         TEXT    NOT NULL,
  raw          TEXT    NOT NULL,
  at           TEXT    NOT NULL,
  direction    TEXT,
  terminal_seq INTEGER,
  answer       TEXT    NOT NULL,
  text         TEXT    NOT NULL,
  stored_at    INTEGER NOT NULL,
  size         INTEGER NOT NULL,
  acked        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS taps_pending ON taps (seq) WHERE acked = 0;
CREATE INDEX IF NOT EXISTS taps_terminal_seq ON taps (terminal, terminal_seq);
CREATE INDEX IF NOT EXISTS taps_stored_at ON taps (stored_at);
CREATE TABLE IF NOT EXISTS source_keys (key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS source_keys_seen_at ON source_keys (seen_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('last_seq', 0), ('dropped', 0);
`;

interface TapRow {
  seq: number;
  id: string;
  terminal: string;
  card: string;
  raw: string;
  at: string;
  direction: string | null;
  terminal_seq: number | null;
  answer: string;
  text: string;
  stored_at: number;
  acked: number;
}

function fromRow(r: TapRow): StoredTap {
  const t: StoredTap = {
    seq: r.seq,
    id: r.id,
    terminal: r.terminal,
    card: r.card,
    raw: r.raw,
    at: r.at,
    answer: r.answer as StoredTap['answer'],
    text: r.text,
    storedAtMs: r.stored_at,
    acked: r.acked === 1,
  };
  if (r.direction === 'in' || r.direction === 'out') t.direction = r.direction;
  if (r.terminal_seq !== null) t.terminalSeq = r.terminal_seq;
  return t;
}

function prepareStatements(db: Database.Database) {
  return {
    nextSeq: db.prepare<[], { value: number }>(
      `UPDATE meta SET value = value + 1 WHERE key = 'last_seq' RETURNING value`,
    ),
    insert: db.prepare(
      `INSERT INTO taps (seq, id, terminal, card, raw, at, direction, terminal_seq, answer, text, stored_at, size)
         VALUES (@seq, @id, @terminal, @card, @raw, @at, @direction, @terminalSeq, @answer, @text, @storedAtMs, @size)`,
    ),
    pending: db.prepare<[number, number], TapRow>(
      `SELECT * FROM taps WHERE acked = 0 AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    ackOne: db.prepare<[string], { size: number }>(
      `UPDATE taps SET acked = 1 WHERE id = ? AND acked = 0 RETURNING size`,
    ),
    findTerminalTap: db.prepare<[string, number, string, number], TapRow>(
      `SELECT * FROM taps WHERE terminal = ? AND terminal_seq = ? AND card = ? AND stored_at >= ? ORDER BY seq DESC LIMIT 1`,
    ),
    storedSince: db.prepare<[number], TapRow>(`SELECT * FROM taps WHERE stored_at >= ? ORDER BY seq`),
    oldestPending: db.prepare<[], { seq: number; size: number }>(
      `SELECT seq, size FROM taps WHERE acked = 0 ORDER BY seq LIMIT 1000`,
    ),
    deleteOlderThan: db.prepare<[number], { size: number }>(
      `DELETE FROM taps WHERE acked = 0 AND stored_at < ? RETURNING size`,
    ),
    deleteSeq: db.prepare<[number]>(`DELETE FROM taps WHERE seq = ?`),
    addDropped: db.prepare<[number]>(`UPDATE meta SET value = value + ? WHERE key = 'dropped'`),
    dropped: db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE key = 'dropped'`),
    forgetAcked: db.prepare<[number]>(`DELETE FROM taps WHERE acked = 1 AND stored_at < ?`),
    rememberKey: db.prepare<[string, number]>(
      `INSERT OR IGNORE INTO source_keys (key, seen_at) VALUES (?, ?)`,
    ),
    forgetKeys: db.prepare<[number]>(`DELETE FROM source_keys WHERE seen_at < ?`),
    totals: db.prepare<[], { n: number; bytes: number | null }>(
      `SELECT count(*) AS n, sum(size) AS bytes FROM taps WHERE acked = 0`,
    ),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/** SQLite limits a statement to 32766 host parameters; acks come in much smaller groups. */
const ACK_CHUNK = 500;

export class SqliteTapQueue implements TapQueue {
  private readonly db: Database.Database;
  private readonly stmts: Statements;
  private readonly appendTx: (inputs: readonly NewTap[]) => StoredTap[];
  private readonly appendOnceTx: (
    items: readonly OnceItem[],
    nowMs: number,
  ) => { stored: StoredTap[]; seen: number };
  private pendingCount: number;
  private pendingBytes: number;

  /**
   * @param opts.synchronous only for tools that fill a queue in bulk (tests, benchmarks): the
   *   gateway always runs with FULL.
   */
  constructor(file: string, opts: { synchronous?: 'FULL' | 'NORMAL' | 'OFF' } = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.stmts = prepareStatements(this.db);
    this.appendTx = this.db.transaction((inputs: readonly NewTap[]) =>
      inputs.map((input) => {
        const seq = this.stmts.nextSeq.get()!.value;
        const tap: StoredTap = { ...input, seq, acked: false };
        this.stmts.insert.run({
          ...input,
          seq,
          direction: input.direction ?? null,
          terminalSeq: input.terminalSeq ?? null,
          size: wireSize(tap),
        });
        return tap;
      }),
    );
    // The key and its tap commit together: a crash leaves both or neither.
    this.appendOnceTx = this.db.transaction((items: readonly OnceItem[], nowMs: number) => {
      const fresh: NewTap[] = [];
      let seen = 0;
      for (const item of items) {
        if (this.stmts.rememberKey.run(item.key, nowMs).changes === 0) seen++;
        else if (item.tap) fresh.push(item.tap);
      }
      return { stored: this.appendTx(fresh), seen };
    });
    const totals = this.stmts.totals.get()!;
    this.pendingCount = totals.n;
    this.pendingBytes = totals.bytes ?? 0;
  }

  append(input: NewTap): StoredTap {
    return this.appendMany([input])[0]!;
  }

  appendMany(inputs: readonly NewTap[]): StoredTap[] {
    if (inputs.length === 0) return [];
    const taps = this.appendTx(inputs);
    for (const t of taps) {
      this.pendingCount++;
      this.pendingBytes += wireSize(t);
    }
    return taps;
  }

  pending(afterSeq: number, limit: number): StoredTap[] {
    return this.stmts.pending.all(afterSeq, limit).map(fromRow);
  }

  ack(ids: readonly string[]): number {
    let n = 0;
    let bytes = 0;
    for (let i = 0; i < ids.length; i += ACK_CHUNK) {
      const chunk = ids.slice(i, i + ACK_CHUNK);
      // One transaction per chunk: a single fsync for up to 500 acks.
      this.db.transaction(() => {
        for (const id of chunk) {
          const r = this.stmts.ackOne.get(id);
          if (r) {
            n++;
            bytes += r.size;
          }
        }
      })();
    }
    this.pendingCount -= n;
    this.pendingBytes -= bytes;
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
    const r = this.stmts.findTerminalTap.get(terminal, terminalSeq, card, sinceMs);
    return r && fromRow(r);
  }

  storedSince(sinceMs: number): StoredTap[] {
    return this.stmts.storedSince.all(sinceMs).map(fromRow);
  }

  enforceLimits(limits: QueueLimits, nowMs: number): number {
    let dropped = 0;
    this.db.transaction(() => {
      if (limits.maxDays !== undefined) {
        for (const r of this.stmts.deleteOlderThan.all(nowMs - limits.maxDays * DAY_MS)) {
          this.pendingCount--;
          this.pendingBytes -= r.size;
          dropped++;
        }
      }
      while (limits.maxBytes !== undefined && this.pendingBytes > limits.maxBytes) {
        const rows = this.stmts.oldestPending.all();
        if (rows.length === 0) break;
        for (const r of rows) {
          if (this.pendingBytes <= limits.maxBytes) break;
          this.stmts.deleteSeq.run(r.seq);
          this.pendingCount--;
          this.pendingBytes -= r.size;
          dropped++;
        }
      }
      if (dropped > 0) this.stmts.addDropped.run(dropped);
    })();
    return dropped;
  }

  /** The durability settings in force on this connection (for tests and the start-up log). */
  settings(): { journalMode: string; synchronous: string } {
    const sync = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][sync] ?? String(sync),
    };
  }

  droppedTotal(): number {
    return this.stmts.dropped.get()!.value;
  }

  forgetAcked(beforeMs: number): number {
    return this.stmts.forgetAcked.run(beforeMs).changes;
  }

  appendOnce(items: readonly OnceItem[], nowMs: number): { stored: StoredTap[]; seen: number } {
    const r = this.appendOnceTx(items, nowMs);
    for (const t of r.stored) {
      this.pendingCount++;
      this.pendingBytes += wireSize(t);
    }
    return r;
  }

  forgetKeys(beforeMs: number): number {
    return this.stmts.forgetKeys.run(beforeMs).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
