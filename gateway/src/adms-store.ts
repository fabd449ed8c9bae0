/**
 * What the gateway keeps about its ADMS terminals, in `adms.sqlite` beside the tap queue: the PIN
 * given to each card (stable, never reused), the users each terminal holds as far as the gateway
 * knows (confirmed by `devicecmd` results, or told by the terminal's OPERLOG), the USERINFO commands
 * waiting for a result, each terminal's measured clock offset, punches of PINs with no card and
 * bad lines kept for inspection. This file is the only one that touches that database.
 */
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pins (card TEXT PRIMARY KEY, pin INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS device_users (
  sn TEXT NOT NULL, pin INTEGER NOT NULL, name TEXT NOT NULL, card TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('gateway', 'device')),
  PRIMARY KEY (sn, pin)
);
CREATE TABLE IF NOT EXISTS commands (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sn TEXT NOT NULL, pin INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('update', 'delete')),
  name TEXT NOT NULL, card TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'done', 'failed', 'superseded')),
  tries INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, result INTEGER, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS commands_open ON commands (sn, id) WHERE state IN ('queued', 'sent');
CREATE TABLE IF NOT EXISTS clocks (sn TEXT PRIMARY KEY, offset_ms INTEGER NOT NULL, measured_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orphan_punches (
  key TEXT PRIMARY KEY, sn TEXT NOT NULL, pin INTEGER NOT NULL, time TEXT NOT NULL, raw TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bad_lines (
  id INTEGER PRIMARY KEY AUTOINCREMENT, sn TEXT NOT NULL, kind TEXT NOT NULL, line INTEGER NOT NULL,
  raw TEXT NOT NULL, reason TEXT NOT NULL, received_at INTEGER NOT NULL
);
`;

export interface DeviceUser {
  pin: number;
  name: string;
  /** Card number as the terminal prints it ('' for none). */
  card: string;
  origin: 'gateway' | 'device';
}

export type CommandKind = 'update' | 'delete';
export type CommandState = 'queued' | 'sent' | 'done' | 'failed' | 'superseded';

export interface UserCommand {
  id: number;
  sn: string;
  pin: number;
  kind: CommandKind;
  name: string;
  card: string;
  state: CommandState;
  tries: number;
  nextAt: number;
}

interface CommandRow {
  id: number;
  sn: string;
  pin: number;
  kind: CommandKind;
  name: string;
  card: string;
  state: CommandState;
  tries: number;
  next_at: number;
}

const fromCommandRow = (r: CommandRow): UserCommand => ({
  id: r.id,
  sn: r.sn,
  pin: r.pin,
  kind: r.kind,
  name: r.name,
  card: r.card,
  state: r.state,
  tries: r.tries,
  nextAt: r.next_at,
});

export class AdmsStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      pins: db.prepare<[], { card: string; pin: number }>(`SELECT card, pin FROM pins`),
      maxPin: db.prepare<[], { pin: number | null }>(`SELECT max(pin) AS pin FROM pins`),
      addPin: db.prepare<[string, number]>(`INSERT INTO pins (card, pin) VALUES (?, ?)`),
      users: db.prepare<[string], DeviceUser>(
        `SELECT pin, name, card, origin FROM device_users WHERE sn = ?`,
      ),
      putUser: db.prepare<[string, number, string, string, string]>(
        `INSERT INTO device_users (sn, pin, name, card, origin) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (sn, pin) DO UPDATE SET name = excluded.name, card = excluded.card, origin = excluded.origin`,
      ),
      deleteUser: db.prepare<[string, number]>(`DELETE FROM device_users WHERE sn = ? AND pin = ?`),
      open: db.prepare<[string], CommandRow>(
        `SELECT * FROM commands WHERE sn = ? AND state IN ('queued', 'sent') ORDER BY id`,
      ),
      due: db.prepare<[string, number, number], CommandRow>(
        `SELECT * FROM commands WHERE sn = ? AND state IN ('queued', 'sent') AND next_at <= ? ORDER BY id LIMIT ?`,
      ),
      command: db.prepare<[number, string], CommandRow>(`SELECT * FROM commands WHERE id = ? AND sn = ?`),
      queue: db.prepare<[string, number, string, string, string, number, number]>(
        `INSERT INTO commands (sn, pin, kind, name, card, state, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`,
      ),
      setState: db.prepare<[CommandState, number, number]>(
        `UPDATE commands SET state = ?, next_at = ? WHERE id = ?`,
      ),
      markSent: db.prepare<[number, number]>(
        `UPDATE commands SET state = 'sent', tries = tries + 1, next_at = ? WHERE id = ?`,
      ),
      setResult: db.prepare<[CommandState, number, number, number]>(
        `UPDATE commands SET state = ?, result = ?, next_at = ? WHERE id = ?`,
      ),
      forgetClosed: db.prepare<[number]>(
        `DELETE FROM commands WHERE state IN ('done', 'failed', 'superseded') AND created_at < ?`,
      ),
      clocks: db.prepare<[], { sn: string; offset_ms: number }>(`SELECT sn, offset_ms FROM clocks`),
      putClock: db.prepare<[string, number, number]>(
        `INSERT INTO clocks (sn, offset_ms, measured_at) VALUES (?, ?, ?)
           ON CONFLICT (sn) DO UPDATE SET offset_ms = excluded.offset_ms, measured_at = excluded.measured_at`,
      ),
      addOrphan: db.prepare<[string, string, number, string, string, number]>(
        `INSERT OR IGNORE INTO orphan_punches (key, sn, pin, time, raw, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      orphans: db.prepare<[string], { pin: number; time: string; raw: string }>(
        `SELECT pin, time, raw FROM orphan_punches WHERE sn = ? ORDER BY time`,
      ),
      addBadLine: db.prepare<[string, string, number, string, string, number]>(
        `INSERT INTO bad_lines (sn, kind, line, raw, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      badLines: db.prepare<[string], { kind: string; line: number; raw: string; reason: string }>(
        `SELECT kind, line, raw, reason FROM bad_lines WHERE sn = ? ORDER BY id`,
      ),
    };
  }

  /** Every card's PIN. */
  pins(): Map<string, number> {
    return new Map(this.s.pins.all().map((r) => [r.card, r.pin]));
  }

  /** Give the cards that have none the next free PINs (from `firstPin`), in one commit. */
  assignPins(cards: readonly string[], firstPin: number): Map<string, number> {
    const added = new Map<string, number>();
    this.db.transaction(() => {
      const known = this.pins();
      let next = Math.max(firstPin, (this.s.maxPin.get()?.pin ?? 0) + 1);
      for (const card of cards) {
        if (known.has(card) || added.has(card)) continue;
        this.s.addPin.run(card, next);
        added.set(card, next++);
      }
    })();
    return added;
  }

  deviceUsers(sn: string): DeviceUser[] {
    return this.s.users.all(sn);
  }

  /** Users the terminal reported itself (enrolled at the device). */
  learnDeviceUsers(sn: string, users: readonly { pin: number; name: string; card: string }[]): void {
    this.db.transaction(() => {
      for (const u of users) this.s.putUser.run(sn, u.pin, u.name, u.card, 'device');
    })();
  }

  openCommands(sn: string): UserCommand[] {
    return this.s.open.all(sn).map(fromCommandRow);
  }

  /** Queue commands and supersede the open ones they replace, in one commit. */
  queueCommands(
    sn: string,
    commands: readonly { pin: number; kind: CommandKind; name: string; card: string }[],
    supersede: readonly number[],
    nowMs: number,
  ): void {
    if (commands.length === 0 && supersede.length === 0) return;
    this.db.transaction(() => {
      for (const id of supersede) this.s.setState.run('superseded', nowMs, id);
      for (const c of commands) this.s.queue.run(sn, c.pin, c.kind, c.name, c.card, nowMs, nowMs);
    })();
  }

  /** Commands to send on this poll (queued, or sent without a result for `retryMs`); marked sent. */
  takeDue(sn: string, nowMs: number, retryMs: number, limit: number): UserCommand[] {
    return this.db.transaction(() => {
      const rows = this.s.due.all(sn, nowMs, limit).map(fromCommandRow);
      for (const r of rows) this.s.markSent.run(nowMs + retryMs, r.id);
      return rows.map((r) => ({ ...r, state: 'sent' as const, tries: r.tries + 1 }));
    })();
  }

  command(sn: string, id: number): UserCommand | undefined {
    const r = this.s.command.get(id, sn);
    return r && fromCommandRow(r);
  }

  /** The terminal did it: the user list as the gateway knows it follows, in the same commit. */
  commandDone(cmd: UserCommand, nowMs: number): void {
    this.db.transaction(() => {
      this.s.setResult.run('done', 0, nowMs, cmd.id);
      if (cmd.kind === 'update') this.s.putUser.run(cmd.sn, cmd.pin, cmd.name, cmd.card, 'gateway');
      else this.s.deleteUser.run(cmd.sn, cmd.pin);
    })();
  }

  /** The terminal refused it: try again at `retryAt`, or give up (`failed`). */
  commandRefused(cmd: UserCommand, returnCode: number, retryAt: number | undefined, nowMs: number): void {
    this.s.setResult.run(retryAt === undefined ? 'failed' : 'queued', returnCode, retryAt ?? nowMs, cmd.id);
  }

  forgetClosedCommands(beforeMs: number): number {
    return this.s.forgetClosed.run(beforeMs).changes;
  }

  clockOffsets(): Map<string, number> {
    return new Map(this.s.clocks.all().map((r) => [r.sn, r.offset_ms]));
  }

  saveClockOffset(sn: string, offsetMs: number, nowMs: number): void {
    this.s.putClock.run(sn, offsetMs, nowMs);
  }

  /** A punch of a PIN that has no card anywhere: kept for inspection (once per key). */
  keepOrphan(key: string, sn: string, pin: number, time: string, raw: string, nowMs: number): void {
    this.s.addOrphan.run(key, sn, pin, time, raw, nowMs);
  }

  orphans(sn: string): { pin: number; time: string; raw: string }[] {
    return this.s.orphans.all(sn);
  }

  keepBadLines(
    sn: string,
    kind: string,
    lines: readonly { line: number; raw: string; reason: string }[],
    nowMs: number,
  ): void {
    if (lines.length === 0) return;
    this.db.transaction(() => {
      for (const l of lines) this.s.addBadLine.run(sn, kind, l.line, l.raw.slice(0, 1000), l.reason, nowMs);
    })();
  }

  badLines(sn: string): { kind: string; line: number; raw: string; reason: string }[] {
    return this.s.badLines.all(sn);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
