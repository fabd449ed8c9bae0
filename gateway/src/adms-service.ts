/**
 * The gateway as the ADMS ("iclock") server of its ZKTeco terminals (CONTRACT §1 `adms`): what each
 * request means and what it is answered. No HTTP here (`adms-server.ts` owns the sockets); the
 * durable state is the tap queue (punches and the keys of punches already seen, in one commit)
 * and `AdmsStore` (PINs, user lists, commands, clocks).
 */
import {
  admsTimeToInstant,
  cardToText,
  encodeAdmsCommand,
  encodeAdmsHandshake,
  fromAdmsCardNumber,
  newTapId,
  parseAdmsCommandResults,
  parseAdmsUsers,
  parseAttlog,
  parseCardText,
  toAdmsCardNumber,
  toAdmsName,
  toRfc3339,
  zonedTime,
  type AdmsBadLine,
  type AdmsPunch,
  type Clock,
  type RosterMessage,
} from '@rfid/protocol';
import type { Logger } from 'pino';
import type { AdmsSettings, AdmsTerminalConfig } from './adms-config.js';
import type { AdmsStore, UserCommand } from './adms-store.js';
import { ClockOffsetEstimator, planUserSync, type WantedUser } from './adms-sync.js';
import type { GatewayMetrics } from './metrics.js';
import type { RosterIndex } from './roster-index.js';
import type { NewTap, OnceItem, StoredTap, TapQueue } from './tap-queue.js';
import type { TerminalState } from './terminal-session.js';

export interface AdmsReply {
  status: number;
  body: string;
}

export interface AdmsServiceDeps {
  terminals: readonly AdmsTerminalConfig[];
  settings: AdmsSettings;
  queue: TapQueue;
  store: AdmsStore;
  clock: Clock;
  timeZone: string;
  roster: () => RosterIndex;
  metrics: GatewayMetrics;
  log: Logger;
  onStored: (tap: StoredTap) => void;
}

/** A refused attempt (unknown SN) is logged once a minute per SN, not at every poll. */
const REFUSAL_LOG_EVERY_MS = 60_000;
/** Commands sent in one `getrequest` answer. */
const COMMANDS_PER_POLL = 50;
/** Sends of a command the terminal refuses or never answers before it is given up. */
const MAX_COMMAND_TRIES = 5;
/** An ADMS terminal polls every `pollSeconds`; silent for three polls (at least 35 s) is offline. */
const MIN_SILENCE_MS = 35_000;

export interface AdmsCounters {
  pushes: number;
  punches: number;
  stored: number;
  repushed: number;
  orphans: number;
  badLines: number;
  refused: number;
  commandsSent: number;
  commandsDone: number;
  commandsFailed: number;
}

export class AdmsService {
  private readonly bySn = new Map<string, AdmsTerminalConfig>();
  private readonly lastSeenMs = new Map<string, number>();
  private readonly clocks = new Map<string, ClockOffsetEstimator>();
  private readonly refusedLoggedAt = new Map<string, number>();
  private wanted = new Map<number, WantedUser>();
  /** PIN → the enrolled card's text, for every PIN ever given. */
  private cardByPin = new Map<number, string>();
  readonly counters: AdmsCounters = {
    pushes: 0,
    punches: 0,
    stored: 0,
    repushed: 0,
    orphans: 0,
    badLines: 0,
    refused: 0,
    commandsSent: 0,
    commandsDone: 0,
    commandsFailed: 0,
  };

  constructor(private readonly deps: AdmsServiceDeps) {
    for (const t of deps.terminals) this.bySn.set(t.sn, t);
    const saved = deps.store.clockOffsets();
    for (const t of deps.terminals)
      this.clocks.set(
        t.sn,
        new ClockOffsetEstimator(
          {
            toleranceMs: deps.settings.clockToleranceSeconds * 1000,
            windowMs: 30 * 60_000,
            minSpanMs: 2 * 60_000,
            maxSamples: 200,
          },
          saved.get(t.sn),
        ),
      );
    for (const [card, pin] of deps.store.pins()) this.cardByPin.set(pin, card);
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /** The terminal for a request's `SN`, or a refusal (logged, counted). */
  private terminal(sn: string | null, what: string): AdmsTerminalConfig | AdmsReply {
    if (!sn) return { status: 400, body: 'SN missing' };
    const t = this.bySn.get(sn);
    if (t) {
      this.lastSeenMs.set(sn, this.nowMs());
      return t;
    }
    this.counters.refused++;
    this.deps.metrics.rejects.inc({ terminal: 'adms', code: 'unknown_sn' });
    const now = this.nowMs();
    if (now - (this.refusedLoggedAt.get(sn) ?? -Infinity) >= REFUSAL_LOG_EVERY_MS) {
      this.refusedLoggedAt.set(sn, now);
      this.deps.log.warn(
        { sn, request: what },
        'ADMS request from an unknown SN refused (add it to the config)',
      );
    }
    return { status: 403, body: 'unknown SN' };
  }

  /** `GET /iclock/cdata?SN=…&options=all`. */
  handshake(sn: string | null): AdmsReply {
    const t = this.terminal(sn, 'handshake');
    if ('status' in t) return t;
    this.deps.log.info({ terminal: t.id, sn: t.sn }, 'ADMS terminal connected');
    return {
      status: 200,
      body: encodeAdmsHandshake({
        sn: t.sn,
        offsetMinutes: zonedTime(this.deps.clock.now(), this.deps.timeZone).offsetMinutes,
        delaySeconds: this.deps.settings.pollSeconds,
        errorDelaySeconds: this.deps.settings.errorDelaySeconds,
        transIntervalMinutes: 1,
      }),
    };
  }

  /** `POST /iclock/cdata?SN=…&table=…`: punches, operations; other tables are taken and ignored. */
  push(sn: string | null, table: string | null, body: string): AdmsReply {
    const t = this.terminal(sn, `push ${table ?? ''}`);
    if ('status' in t) return t;
    switch (table) {
      case 'ATTLOG':
        return this.attlog(t, body);
      case 'OPERLOG':
      case 'USERINFO':
        return this.operlog(t, table, body);
      default:
        // ATTPHOTO, BIODATA, …: not ours to keep; refusing would make the terminal push forever.
        this.deps.log.debug({ terminal: t.id, table }, 'ADMS table ignored');
        return { status: 200, body: 'OK' };
    }
  }

  private keepBad(t: AdmsTerminalConfig, kind: string, bad: readonly AdmsBadLine[]): void {
    if (bad.length === 0) return;
    this.counters.badLines += bad.length;
    this.deps.metrics.rejects.inc({ terminal: t.id, code: 'adms_bad_line' }, bad.length);
    this.deps.log.warn(
      { terminal: t.id, sn: t.sn, kind, bad: bad.slice(0, 10) },
      'ADMS lines rejected (kept for inspection)',
    );
    try {
      this.deps.store.keepBadLines(t.sn, kind, bad, this.nowMs());
    } catch (err) {
      this.deps.log.error({ err }, 'bad ADMS lines could not be kept');
    }
  }

  private attlog(t: AdmsTerminalConfig, body: string): AdmsReply {
    const now = this.deps.clock.now();
    const nowMs = now.getTime();
    const { punches, bad } = parseAttlog(body);
    this.counters.pushes++;
    this.counters.punches += punches.length;
    this.keepBad(t, 'ATTLOG', bad);
    if (punches.length === 0) return { status: 200, body: 'OK' };

    const clock = this.clocks.get(t.sn)!;
    const before = clock.offsetMs;
    const newest = Math.max(...punches.map((p) => admsTimeToInstant(p.time, this.deps.timeZone).getTime()));
    const offsetMs = clock.sample(newest, nowMs) ?? 0;
    if (offsetMs !== (before ?? 0)) {
      this.deps.log.warn(
        { terminal: t.id, sn: t.sn, clockOffsetMs: offsetMs },
        'ADMS terminal clock offset measured; punch times corrected',
      );
      try {
        this.deps.store.saveClockOffset(t.sn, offsetMs, nowMs);
      } catch (err) {
        this.deps.log.error({ err }, 'clock offset could not be saved');
      }
    }

    const items: OnceItem[] = [];
    const orphans: AdmsPunch[] = [];
    const deviceCards = new Map(
      this.deps.store
        .deviceUsers(t.sn)
        .filter((u) => u.card)
        .map((u) => [u.pin, u.card]),
    );
    for (const p of punches) {
      const key = `${t.sn}|${p.pin}|${p.time}`;
      const card = this.cardOf(t, Number(p.pin), deviceCards);
      if (!card) {
        orphans.push(p);
        items.push({ key });
        continue;
      }
      this.deps.metrics.reads.inc({ terminal: t.id });
      const at = new Date(admsTimeToInstant(p.time, this.deps.timeZone).getTime() - offsetMs);
      const known = this.deps.roster().lookup(parseCardText(card)) !== undefined;
      const tap: NewTap = {
        id: newTapId(),
        terminal: t.id,
        card,
        raw: p.raw.slice(0, 256),
        at: toRfc3339(at, this.deps.timeZone),
        ...(t.direction ? { direction: t.direction } : {}),
        answer: known ? 'OK' : 'UNKNOWN',
        text: '',
        storedAtMs: nowMs,
      };
      items.push({ key, tap });
    }
    let result: { stored: StoredTap[]; seen: number };
    try {
      for (const p of orphans)
        this.deps.store.keepOrphan(`${t.sn}|${p.pin}|${p.time}`, t.sn, Number(p.pin), p.time, p.raw, nowMs);
      result = this.deps.queue.appendOnce(items, nowMs);
    } catch (err) {
      this.deps.metrics.storeErrors.inc(items.length);
      this.deps.log.error(
        { err, terminal: t.id, punches: punches.length },
        'ADMS punches could not be stored; the terminal will push them again',
      );
      // Not OK: the terminal keeps the lines and pushes them again after ErrorDelay.
      return { status: 503, body: 'store failed' };
    }
    this.counters.stored += result.stored.length;
    this.counters.repushed += result.seen;
    if (result.seen > 0) this.deps.metrics.repeats.inc({ terminal: t.id, kind: 'repush' }, result.seen);
    if (orphans.length > 0) {
      this.counters.orphans += orphans.length;
      this.deps.log.warn(
        { terminal: t.id, sn: t.sn, pins: [...new Set(orphans.map((p) => p.pin))] },
        'ADMS punches of PINs with no card kept aside (users made at the device without a card)',
      );
    }
    for (const tap of result.stored) {
      this.deps.metrics.stored.inc({ terminal: tap.terminal, answer: tap.answer });
      this.deps.onStored(tap);
    }
    return { status: 200, body: 'OK' };
  }

  /**
   * The card behind a PIN: the one the gateway enrolled under it, else the card the terminal
   * reported for a user made at the device (an unknown card for enrolment), else none.
   */
  private cardOf(
    t: AdmsTerminalConfig,
    pin: number,
    deviceCards: ReadonlyMap<number, string>,
  ): string | undefined {
    const ours = this.cardByPin.get(pin);
    if (ours) return ours;
    const number = deviceCards.get(pin);
    if (!number) return undefined;
    try {
      return cardToText(fromAdmsCardNumber(number, t.tech ?? 'em4100'));
    } catch {
      return undefined;
    }
  }

  private operlog(t: AdmsTerminalConfig, table: string, body: string): AdmsReply {
    const { users, bad } = parseAdmsUsers(body);
    this.keepBad(t, table, bad);
    const madeHere = users.filter((u) => !this.cardByPin.has(Number(u.pin)));
    if (madeHere.length > 0) {
      try {
        this.deps.store.learnDeviceUsers(
          t.sn,
          madeHere.map((u) => ({ pin: Number(u.pin), name: u.name, card: u.card })),
        );
      } catch (err) {
        this.deps.log.error({ err }, 'ADMS device users could not be saved');
        return { status: 503, body: 'store failed' };
      }
      this.deps.log.info(
        { terminal: t.id, users: madeHere.map((u) => u.pin) },
        'ADMS users made at the device',
      );
    }
    return { status: 200, body: 'OK' };
  }

  /** `GET /iclock/ping?SN=…`: a terminal checking the server is there while it uploads. */
  ping(sn: string | null): AdmsReply {
    const t = this.terminal(sn, 'ping');
    return 'status' in t ? t : { status: 200, body: 'OK' };
  }

  /** `GET /iclock/getrequest?SN=…`: the due commands, or `OK` for none. */
  getrequest(sn: string | null): AdmsReply {
    const t = this.terminal(sn, 'getrequest');
    if ('status' in t) return t;
    const nowMs = this.nowMs();
    let due: UserCommand[];
    try {
      due = this.deps.store.takeDue(
        t.sn,
        nowMs,
        this.deps.settings.commandRetrySeconds * 1000,
        COMMANDS_PER_POLL,
      );
    } catch (err) {
      this.deps.log.error({ err }, 'ADMS commands could not be read');
      return { status: 200, body: 'OK' };
    }
    const lines: string[] = [];
    for (const c of due) {
      if (c.tries > MAX_COMMAND_TRIES) {
        this.fail(c, -1, 'sent without a result too often');
        continue;
      }
      lines.push(
        encodeAdmsCommand(
          c.kind === 'update'
            ? { id: c.id, kind: 'update-user', user: { pin: String(c.pin), name: c.name, card: c.card } }
            : { id: c.id, kind: 'delete-user', pin: String(c.pin) },
        ),
      );
    }
    this.counters.commandsSent += lines.length;
    return { status: 200, body: lines.length ? lines.join('\n') + '\n' : 'OK' };
  }

  private fail(c: UserCommand, returnCode: number, why: string): void {
    this.counters.commandsFailed++;
    this.deps.store.commandRefused(c, returnCode, undefined, this.nowMs());
    this.deps.log.error(
      { sn: c.sn, commandId: c.id, pin: c.pin, kind: c.kind, returnCode },
      `ADMS command given up: ${why}`,
    );
  }

  /** `POST /iclock/devicecmd?SN=…`: results of commands. */
  devicecmd(sn: string | null, body: string): AdmsReply {
    const t = this.terminal(sn, 'devicecmd');
    if ('status' in t) return t;
    const nowMs = this.nowMs();
    const { results, bad } = parseAdmsCommandResults(body);
    this.keepBad(t, 'devicecmd', bad);
    try {
      for (const r of results) {
        const c = this.deps.store.command(t.sn, r.id);
        if (!c || (c.state !== 'sent' && c.state !== 'queued')) continue; // late, repeated or superseded
        if (r.returnCode === 0) {
          this.deps.store.commandDone(c, nowMs);
          this.counters.commandsDone++;
        } else if (c.tries >= MAX_COMMAND_TRIES) {
          this.fail(c, r.returnCode, 'refused by the terminal');
        } else {
          const retryAt = nowMs + this.deps.settings.commandRetrySeconds * 1000 * c.tries;
          this.deps.store.commandRefused(c, r.returnCode, retryAt, nowMs);
          this.deps.log.warn(
            { terminal: t.id, commandId: c.id, returnCode: r.returnCode },
            'ADMS command refused; retried later',
          );
        }
      }
    } catch (err) {
      this.deps.log.error({ err }, 'ADMS command results could not be saved');
      return { status: 503, body: 'store failed' };
    }
    return { status: 200, body: 'OK' };
  }

  /** A new roster: PINs for new cards, then every terminal's commands planned again. */
  onRoster(roster: RosterMessage | undefined): void {
    try {
      this.applyRoster(roster);
    } catch (err) {
      // Never out of the MQTT handler: the taps of every other terminal go on.
      this.deps.log.error({ err }, 'ADMS user lists not updated from the roster');
    }
  }

  private applyRoster(roster: RosterMessage | undefined): void {
    const cards: { card: string; name: string; number: string }[] = [];
    for (const c of roster?.cards ?? []) {
      try {
        cards.push({ card: c.card, name: c.name, number: toAdmsCardNumber(parseCardText(c.card)) });
      } catch {
        this.deps.log.warn({ card: c.card }, 'roster card has no number an ADMS terminal can hold; skipped');
      }
    }
    try {
      this.deps.store.assignPins(
        cards.map((c) => c.card),
        this.deps.settings.firstPin,
      );
    } catch (err) {
      this.deps.log.error({ err }, 'ADMS PINs could not be assigned; user lists not updated');
      return;
    }
    const pins = this.deps.store.pins();
    this.cardByPin = new Map([...pins].map(([card, pin]) => [pin, card]));
    this.wanted = new Map(
      cards.map((c) => {
        const pin = pins.get(c.card)!;
        return [pin, { pin, name: toAdmsName(c.name), card: c.number }];
      }),
    );
    for (const t of this.deps.terminals) this.sync(t.sn);
  }

  private sync(sn: string): void {
    try {
      const plan = planUserSync(
        this.wanted,
        this.deps.store.deviceUsers(sn),
        this.deps.store.openCommands(sn),
      );
      this.deps.store.queueCommands(sn, plan.queue, plan.supersede, this.nowMs());
      if (plan.queue.length > 0)
        this.deps.log.info(
          {
            sn,
            updates: plan.queue.filter((c) => c.kind === 'update').length,
            deletes: plan.queue.filter((c) => c.kind === 'delete').length,
          },
          'ADMS user list commands queued',
        );
    } catch (err) {
      this.deps.log.error({ err, sn }, 'ADMS user list commands could not be queued');
    }
  }

  /** Presence of every ADMS terminal (online: it polled within three poll delays). */
  states(): TerminalState[] {
    const now = this.nowMs();
    const silence = Math.max(MIN_SILENCE_MS, this.deps.settings.pollSeconds * 3000);
    return this.deps.terminals.map((t) => {
      const seen = this.lastSeenMs.get(t.sn);
      return {
        id: t.id,
        online: seen !== undefined && now - seen < silence,
        lastSeen: seen === undefined ? null : toRfc3339(new Date(seen), this.deps.timeZone),
        linkOpen: true,
      };
    });
  }

  /** Measured clock offset of a terminal (terminal − gateway, ms), when known. */
  clockOffsetMs(sn: string): number | undefined {
    return this.clocks.get(sn)?.offsetMs;
  }

  /** Housekeeping: forget punch keys and closed commands older than `rememberDays`. */
  housekeep(): void {
    const before = this.nowMs() - this.deps.settings.rememberDays * 86_400_000;
    this.deps.queue.forgetKeys(before);
    this.deps.store.forgetClosedCommands(before);
  }
}
