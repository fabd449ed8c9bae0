/**
 * A fault drill's whole system: its own migrated database on the drill PostgreSQL (schools,
 * students with cards, guardians with notification channels), the server CLI as a child process on
 * fixed ports, one gateway CLI child per school with its smart terminals (simulated, TCP) at
 * several gates in and one gate out — the last school's gates in are ZKTeco ADMS terminals
 * instead (simulated, HTTP push to their gateway) — and the morning rush they play. After the drill's faults,
 * `quiesce()` waits until every gateway's queue is empty and the stored rows are stable, and
 * `verify()` counts: what the terminals were told against what PostgreSQL holds.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { cardMatchKeys, cardToText, makeCardId, type CardId } from '@rfid/protocol';
import {
  createTerminal,
  multiSchoolRush,
  SimulatedAdmsTerminal,
  runPlan,
  type RunResult,
  type RushPlan,
  type RushStudent,
  type RushTap,
  type SimulatedTerminal,
  type TapOutcome,
} from '@rfid/firmware-sim';
import {
  DrillPostgres,
  freePort,
  GatewayProcess,
  LinkProxy,
  MosquittoProcess,
  ServerProcess,
  waitFor,
} from './processes.js';

export interface RigOptions {
  name: string;
  /** Taps in the rush plan (first taps, doubles, second gates and departures). */
  taps: number;
  schools: number;
  /** Gates in per school (plus one gate out). */
  gatesIn: number;
  /** Broker: the server's embedded aedes, or a Mosquitto the drill controls (`MQTT_URL`). */
  broker: 'embedded' | 'mosquitto';
  /** Gateways reach the broker through a proxy the drill can cut. */
  proxy?: boolean;
  /** How long the rush should take in real time (s); 0 = as fast as the terminals go. */
  rushSeconds: number;
  seed?: number;
  /** Gateway `resendAfterSeconds` (default 3: the drills wait for resends; production default 10). */
  resendAfterSeconds?: number;
  /** Schools (the last ones) whose gates are ZKTeco ADMS terminals (default 1 when there are two or more). */
  admsSchools?: number;
  /** Smart terminals' TAPs in flight at once (default 1: one card at a time at a gate). */
  terminalInFlight?: number;
  pg: DrillPostgres;
  workDir: string;
  log: Logger;
  serverLogLevel?: string;
}

interface SeededSchool {
  id: string;
  students: { id: string; card: CardId }[];
}

/** What a drill measured; `value` is the number of lost taps. */
export interface DrillResult {
  name: string;
  value: number;
  unit: 'lost';
  ok: boolean;
  taps_planned: number;
  /** Taps the terminals were answered OK or UNKNOWN: each must be stored exactly once. */
  taps_sent: number;
  taps_stored: number;
  lost: number;
  duplicates: number;
  /** Stored rows beyond one per (gateway, terminal, terminal seq): a tap stored twice under two ids. */
  split_taps: number;
  /** Stored taps the terminals were never told OK/UNKNOWN for (allowed only for NO_ACK taps). */
  unexpected: number;
  /** Answered DUP (a repeat within the gateway's window: not a tap). */
  dup_answers: number;
  /** Terminal gave up (no ACK after its 5 tries): never acknowledged, so not lost; stored or not. */
  no_ack: number;
  no_ack_stored: number;
  err_answers: number;
  outbox_due: number;
  outbox_rows: number;
  outbox_missing: number;
  outbox_duplicates: number;
  outbox_unexpected: number;
  notifications: string;
  faults: number;
  seconds: number;
  drain_seconds: number;
  [extra: string]: unknown;
}

const ADMIN_PASSWORD = 'drill-province-operator';
const SCHOOL_CARD_BASE = 0x0600000000;

/** Deterministic spread of a student over guardians and channels (what the outbox must follow). */
function guardiansOf(i: number): { channels: string[]; phone: string | null }[] {
  const first = [
    { channels: ['sms'], phone: '0901000000' },
    { channels: ['sms', 'zalo'], phone: '0902000000' },
    { channels: [], phone: '0903000000' }, // no channel chosen: SMS to the phone
    { channels: ['push'], phone: null },
  ][i % 4]!;
  const out = [first];
  if (i % 5 === 0) out.push({ channels: ['email'], phone: null });
  if (i % 11 === 0) out.push({ channels: [], phone: null }); // nothing to send to
  return out;
}

const channelCount = (g: { channels: string[]; phone: string | null }) =>
  g.channels.length > 0 ? g.channels.length : g.phone ? 1 : 0;

export class DrillRig {
  server!: ServerProcess;
  broker: MosquittoProcess | null = null;
  proxy: LinkProxy | null = null;
  gateways: GatewayProcess[] = [];
  terminals: Gate[] = [];
  /** The ADMS terminals among `terminals`. */
  admsTerminals: SimulatedAdmsTerminal[] = [];
  plan!: RushPlan;
  databaseUrl = '';
  private schools: SeededSchool[] = [];
  /** student id → the outbox rows a check-in or check-out of theirs must make: one per guardian id. */
  private outboxTargets = new Map<string, string[]>();
  private acked = new Set<string>();
  private noAck = new Set<string>();
  private dupAnswers = 0;
  /** ADMS punches logged by the terminals / cards they refused as unregistered. */
  private admsPunches = 0;
  private admsUnregistered = 0;
  private errAnswers = 0;
  private running: Promise<RunResult> | null = null;
  private readonly started = performance.now();
  rushDone = false;
  /** Figures a drill adds to its result (e.g. restart times). */
  readonly extra: Record<string, unknown> = {};
  private setupSeconds = 0;
  private rushSeconds = 0;

  constructor(readonly opts: RigOptions) {}

  async start(): Promise<void> {
    const o = this.opts;
    mkdirSync(o.workDir, { recursive: true });
    this.databaseUrl = await o.pg.createDatabase(`drill_${o.name}_${process.pid}`);
    await this.seed();

    let mqtt: { port: number } | { url: string };
    let brokerPort: number;
    if (o.broker === 'mosquitto') {
      this.broker = new MosquittoProcess(await freePort(), o.workDir);
      await this.broker.start();
      mqtt = { url: this.broker.url };
      brokerPort = this.broker.port;
    } else {
      brokerPort = await freePort();
      mqtt = { port: brokerPort };
    }
    this.server = new ServerProcess({
      databaseUrl: this.databaseUrl,
      httpPort: await freePort(),
      mqtt,
      adminPassword: ADMIN_PASSWORD,
      dataDir: path.join(o.workDir, 'server'),
      logLevel: o.serverLogLevel ?? 'warn',
    });
    await this.server.start();
    let gatewayMqttUrl = `mqtt://127.0.0.1:${brokerPort}`;
    if (o.proxy) {
      this.proxy = new LinkProxy(await freePort(), { host: '127.0.0.1', port: brokerPort });
      await this.proxy.start();
      gatewayMqttUrl = this.proxy.url;
    }

    // Terminals: per school `gatesIn` gates in, then (after all schools' gates in) one gate out each.
    const inTerminals: Gate[] = [];
    const outTerminals: Gate[] = [];
    const termLog = o.log.child({ component: 'terminal' });
    const admsFrom = o.schools - (o.admsSchools ?? (o.schools > 1 ? 1 : 0));
    for (let s = 0; s < o.schools; s++) {
      // An ADMS school's terminals all push to one port its gateway listens on (kept across restarts).
      const admsPort = s >= admsFrom ? await freePort() : 0;
      const make = (id: string) =>
        admsPort ? Promise.resolve(this.admsTerminal(id, admsPort, termLog)) : this.terminal(id, termLog);
      for (let g = 0; g < o.gatesIn; g++) inTerminals.push(await make(`s${s}-in${g}`));
      // The gate out stays a smart reader: the rush is played hundreds of times faster than a
      // morning, and an ADMS punch's time is whole seconds, so a departure would share its
      // arrival's second and not count as one (a real day has hours between them).
      outTerminals.push(await this.terminal(`s${s}-out`, termLog));
    }
    this.terminals = [...inTerminals, ...outTerminals];

    for (let s = 0; s < o.schools; s++) {
      const school = this.schools[s]!;
      const creds = await this.server.api<{ gatewayId: string; mqttUsername: string; mqttPassword: string }>(
        'POST',
        '/devices',
        {
          schoolId: school.id,
          name: `Drill gateway ${s}`,
        },
      );
      const terminals = [
        ...inTerminals
          .slice(s * o.gatesIn, (s + 1) * o.gatesIn)
          .map((t) => ({ ...t.gatewayConfig(), direction: 'in' })),
        { ...outTerminals[s]!.gatewayConfig(), direction: 'out' },
      ];
      const dir = path.join(o.workDir, `gw-${s}`);
      mkdirSync(dir, { recursive: true });
      const metricsPort = await freePort();
      this.gateways.push(
        new GatewayProcess(creds.gatewayId, path.join(dir, 'gateway.json'), metricsPort, {
          schoolId: school.id,
          gatewayId: creds.gatewayId,
          mqtt: { url: gatewayMqttUrl, username: creds.mqttUsername, password: creds.mqttPassword },
          dataDir: path.join(dir, 'data'),
          logLevel: 'warn',
          resendAfterSeconds: o.resendAfterSeconds ?? 3,
          statusIntervalSeconds: 30,
          metrics: { port: metricsPort, host: '127.0.0.1' },
          terminals,
          adms: { pollSeconds: 1 },
        }),
      );
    }
    await Promise.all(this.gateways.map((g) => g.start()));
    for (const t of this.admsTerminals) t.start();
    if (this.admsTerminals.length) {
      // The roster (as any card change publishes it) fills the ADMS terminals' user lists.
      const c = new pg.Client({ connectionString: this.databaseUrl });
      await c.connect();
      for (let s = admsFrom; s < o.schools; s++)
        await c.query(`SELECT pg_notify('roster_changed', $1)`, [this.schools[s]!.id]);
      await c.end();
      const enrolled = this.schools[admsFrom]!.students.length;
      await waitFor(
        () => Promise.resolve(this.admsTerminals.every((t) => t.users.size >= enrolled)),
        'ADMS terminals filled with their school roster',
        60_000,
      );
    }
    await Promise.all(this.terminals.map((t) => t.waitForGateway(30_000)));
    await waitFor(
      async () => (await Promise.all(this.gateways.map((g) => g.metrics()))).every((m) => m?.mqttConnected),
      'gateways connected to the broker',
      30_000,
    );
    this.plan = this.makePlan();
    this.setupSeconds = (performance.now() - this.started) / 1000;
  }

  private admsTerminal(id: string, port: number, logger: Logger): SimulatedAdmsTerminal {
    const t = new SimulatedAdmsTerminal({
      id,
      sn: `DRILL${id.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`,
      server: `http://127.0.0.1:${port}`,
      pushEveryMs: 100,
      pollEveryMs: 500,
      errorDelayMs: 250,
      logger,
    });
    this.admsTerminals.push(t);
    return t;
  }

  private terminal(id: string, logger: Logger): Promise<SimulatedTerminal> {
    return createTerminal({
      id,
      kind: 'smart',
      link: { type: 'tcp', host: '127.0.0.1', port: 0 },
      maxInFlight: this.opts.terminalInFlight ?? 1,
      logger,
    });
  }

  /** Schools, class 6A, students with 40-bit EM cards and their keys, guardians with channels. */
  private async seed(): Promise<void> {
    const o = this.opts;
    const perSchool = Math.ceil((o.taps / 1.12 / o.schools) * 1.03) + 1;
    const c = new pg.Client({ connectionString: this.databaseUrl });
    await c.connect();
    try {
      await c.query('BEGIN');
      const {
        rows: [district],
      } = await c.query<{ id: string }>(
        `INSERT INTO districts (code, name) VALUES ('DRILL', 'Phòng GD&ĐT Diễn tập') RETURNING id`,
      );
      for (let s = 0; s < o.schools; s++) {
        const {
          rows: [school],
        } = await c.query<{ id: string }>(
          `INSERT INTO schools (district_id, code, name) VALUES ($1, $2, $3) RETURNING id`,
          [district!.id, `DRILL${s}`, `THCS Diễn tập ${s}`],
        );
        const {
          rows: [klass],
        } = await c.query<{ id: string }>(
          `INSERT INTO classes (school_id, name, grade) VALUES ($1, '6A', 6) RETURNING id`,
          [school!.id],
        );
        const names = Array.from({ length: perSchool }, (_, i) => `Y Liên ${s}-${i}`);
        const { rows: students } = await c.query<{ id: string }>(
          `INSERT INTO students (school_id, class_id, student_code, name)
           SELECT $1, $2, code, name FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(code, name, n) ORDER BY n RETURNING id`,
          [school!.id, klass!.id, names.map((_, i) => `DRILL${s}-${i}`), names],
        );
        const cards = students.map((_, i) =>
          makeCardId('em4100', 40, (SCHOOL_CARD_BASE + s * 0x01000000 + i).toString(16)),
        );
        const { rows: cardRows } = await c.query<{ id: string }>(
          `INSERT INTO cards (school_id, student_id, tech, bits, hex, text)
           SELECT $1, sid, 'em4100', 40, hex, 'em4100:40:' || hex FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS t(sid, hex, n) ORDER BY n RETURNING id`,
          [school!.id, students.map((r) => r.id), cards.map((k) => k.hex)],
        );
        const keys = cards.flatMap((k, i) =>
          cardMatchKeys(k).map((key) => ({ key, cardId: cardRows[i]!.id, bits: Number(key.split(':')[1]) })),
        );
        await c.query(
          `INSERT INTO card_keys (school_id, key, card_id, bits) SELECT $1, key, cid, bits FROM unnest($2::text[], $3::uuid[], $4::int[]) AS t(key, cid, bits)`,
          [school!.id, keys.map((k) => k.key), keys.map((k) => k.cardId), keys.map((k) => k.bits)],
        );
        // Guardians: one row per (student, guardian), inserted in order so RETURNING lines up.
        const gStudent: string[] = [];
        const gChannels: string[] = [];
        const gPhone: (string | null)[] = [];
        const gCount: number[] = [];
        students.forEach((st, i) => {
          for (const g of guardiansOf(i)) {
            gStudent.push(st.id);
            gChannels.push(`{${g.channels.join(',')}}`);
            gPhone.push(g.phone);
            gCount.push(channelCount(g));
          }
        });
        const { rows: guardians } = await c.query<{ id: string }>(
          `INSERT INTO guardians (name, phone, channels)
           SELECT 'Phụ huynh', phone, ch::text[] FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(phone, ch, n) ORDER BY n RETURNING id`,
          [gPhone, gChannels],
        );
        await c.query(
          `INSERT INTO student_guardians (student_id, guardian_id, relation) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
          [gStudent, guardians.map((g) => g.id), gStudent.map(() => 'mẹ')],
        );
        gStudent.forEach((sid, k) => {
          const list = this.outboxTargets.get(sid) ?? [];
          const channels = gChannels[k]!.slice(1, -1).split(',').filter(Boolean);
          const effective = channels.length ? channels : gPhone[k] ? ['sms'] : [];
          list.push(guardians[k]!.id); // one message per guardian and event (the worker picks the channel)
          if (gCount[k] !== effective.length) throw new Error('guardian channel bookkeeping is off');
          this.outboxTargets.set(sid, list);
        });
        this.schools.push({
          id: school!.id,
          students: students.map((r, i) => ({ id: r.id, card: cards[i]! })),
        });
      }
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  /**
   * The morning rush of every school (firmware-sim's seeded plan: arrivals, absentees, forgotten
   * cards, double taps) plus, from the same seed: 1 % of cards not enrolled, 3 % of students tapping
   * again at another gate in, 12 % leaving through the gate out. Cut to `taps` taps.
   */
  private makePlan(): RushPlan {
    const o = this.opts;
    const unknownEvery = 100;
    const specs = this.schools.map((school, s) => ({
      id: `s${s}`,
      terminals: o.gatesIn,
      students: school.students.map((st, i): RushStudent => ({
        card:
          i % unknownEvery === unknownEvery - 1
            ? makeCardId('em4100', 40, (0xff00000000 + s * 0x01000000 + i).toString(16))
            : st.card,
      })),
    }));
    const rush = multiSchoolRush({ seed: o.seed ?? 8, schools: specs, minutes: 20 });
    const extra: RushTap[] = [];
    const outBase = o.schools * o.gatesIn;
    for (const t of rush.taps) {
      if (t.kind !== 'tap') continue;
      const s = t.schoolIndex ?? 0;
      const h = (t.studentIndex * 2654435761 + s * 97) % 100;
      const local = t.terminalIndex - rush.schools[s]!.firstTerminal;
      if (h < 12)
        extra.push({
          ...t,
          atMs: t.atMs + 30_000 + (h % 7) * 5_000,
          terminalIndex: outBase + s,
          kind: 'tap',
        });
      else if (h < 15 && o.gatesIn > 1)
        extra.push({
          ...t,
          atMs: t.atMs + 8_000,
          terminalIndex: rush.schools[s]!.firstTerminal + ((local + 1) % o.gatesIn),
          kind: 'tap',
        });
    }
    const taps = [...rush.taps, ...extra]
      .sort((a, b) => a.atMs - b.atMs || a.terminalIndex - b.terminalIndex)
      .slice(0, o.taps);
    return { ...rush, taps, terminals: this.terminals.length };
  }

  /** Starts the rush (not awaited: faults happen while it runs). */
  startRush(): Promise<RunResult> {
    const span = this.plan.taps.at(-1)?.atMs ?? 1;
    const speed = this.opts.rushSeconds > 0 ? span / (this.opts.rushSeconds * 1000) : Infinity;
    const t0 = performance.now();
    this.running = runPlan(this.plan, this.terminals, {
      speed,
      onTap: (tap, outcome) => this.record(tap, outcome),
    }).finally(() => {
      this.rushDone = true;
      this.rushSeconds = (performance.now() - t0) / 1000;
    });
    return this.running;
  }

  private record(tap: RushTap, outcome: TapOutcome): void {
    if (outcome.result === 'SENT') this.admsPunches++; // ADMS: in the terminal's log, pushed until OK
    if (outcome.result === 'DROPPED') this.admsUnregistered++; // ADMS: a card it does not hold
    if (!('seq' in outcome)) return;
    const key = `${this.terminals[tap.terminalIndex]!.id}#${outcome.seq}`;
    if (outcome.result === 'OK' || outcome.result === 'UNKNOWN') this.acked.add(key);
    else if (outcome.result === 'NO_ACK') this.noAck.add(key);
    else if (outcome.result === 'DUP') this.dupAnswers++;
    else this.errAnswers++;
  }

  /** Taps answered so far (for pacing faults). */
  get answered(): number {
    return (
      this.acked.size +
      this.noAck.size +
      this.dupAnswers +
      this.errAnswers +
      this.admsPunches +
      this.admsUnregistered
    );
  }

  /**
   * After the rush: every gateway connected with an empty queue (every stored tap acked by the
   * server, so committed) and the stored rows stable over two polls. Returns the seconds it took.
   */
  async quiesce(timeoutMs: number): Promise<number> {
    await this.running;
    const t0 = performance.now();
    let last = -1;
    await waitFor(
      async () => {
        // ADMS terminals first: a line not yet answered OK is not in any queue.
        if (this.admsTerminals.some((t) => t.unsent > 0)) return false;
        const m = await Promise.all(this.gateways.map((g) => g.metrics()));
        if (!m.every((x) => x && x.mqttConnected && x.depth === 0)) return false;
        const n = await this.count();
        const stable = n === last;
        last = n;
        return stable;
      },
      'gateway queues empty and stored taps stable',
      timeoutMs,
      250,
    );
    return (performance.now() - t0) / 1000;
  }

  /** Rows in `taps` now. */
  storedCount(): Promise<number> {
    return this.count();
  }

  private async count(): Promise<number> {
    const c = new pg.Client({ connectionString: this.databaseUrl });
    await c.connect();
    try {
      return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM taps')).rows[0]!.n);
    } finally {
      await c.end();
    }
  }

  /** Status of the gateways, for a timeout's report. */
  async gatewayState(): Promise<unknown[]> {
    return Promise.all(
      this.gateways.map(async (g) => ({
        gateway: g.gatewayId,
        running: g.running,
        metrics: await g.metrics(),
      })),
    );
  }

  async verify(faults: number, drainSeconds: number): Promise<DrillResult> {
    const c = new pg.Client({ connectionString: this.databaseUrl });
    await c.connect();
    try {
      const { rows: taps } = await c.query<{
        id: string;
        gateway_id: string;
        terminal: string;
        card: string;
        raw: string;
        at: Date;
        student_id: string | null;
        local_date: string;
        direction: string | null;
      }>(`SELECT id, gateway_id, terminal, card, raw, at, student_id, local_date::text, direction FROM taps`);
      const { rows: outbox } = await c.query<{
        student_id: string;
        guardian_id: string | null;
        channel: string;
        event: string;
        local_date: string | null;
        tap_id: string | null;
        created_at: Date;
        received_at: Date | null;
      }>(
        `SELECT o.student_id, o.guardian_id, o.channel, o.event, t.local_date::text AS local_date,
                o.tap_id, o.created_at, t.received_at
           FROM notification_outbox o LEFT JOIN taps t ON t.id = o.tap_id`,
      );
      // Taps.
      // ADMS taps are known by their ATTLOG line (PIN, terminal time), smart taps by their TAP seq.
      const admsIds = new Set(this.admsTerminals.map((t) => t.id));
      for (const t of this.admsTerminals)
        for (const line of t.acknowledgedLines()) this.acked.add(`${t.id}#${line}`);
      const natural = new Map<string, number>();
      const bySeq = new Map<string, number>();
      const ids = new Set<string>();
      for (const t of taps) {
        ids.add(t.id);
        const nk = `${t.gateway_id}|${t.terminal}|${t.card}|${t.at.toISOString()}`;
        natural.set(nk, (natural.get(nk) ?? 0) + 1);
        const sk = admsIds.has(t.terminal)
          ? `${t.terminal}#${t.raw}`
          : `${t.terminal}#${t.raw.split(',')[1]}`;
        bySeq.set(sk, (bySeq.get(sk) ?? 0) + 1);
      }
      const duplicates = taps.length - natural.size + (taps.length - ids.size);
      const splitTaps = [...bySeq.values()].reduce((a, n) => a + n - 1, 0);
      const lostKeys = [...this.acked].filter((k) => !bySeq.has(k));
      const unexpected = [...bySeq.keys()].filter((k) => !this.acked.has(k) && !this.noAck.has(k));
      const noAckStored = [...this.noAck].filter((k) => bySeq.has(k)).length;

      // Notifications due: per student, local day and event (check_in from a tap in, check_out
      // from a tap out), one row per guardian; and what the outbox holds.
      const due = new Set<string>();
      for (const t of taps) {
        if (!t.student_id) continue;
        const event = t.direction === 'out' ? 'check_out' : 'check_in';
        for (const target of this.outboxTargets.get(t.student_id) ?? [])
          due.add(`${t.student_id}|${t.local_date}|${event}|${target}`);
      }
      const rows = new Map<string, number>();
      for (const r of outbox) {
        const k = `${r.student_id}|${r.local_date}|${r.event}|${r.guardian_id}`;
        rows.set(k, (rows.get(k) ?? 0) + 1);
      }
      const outboxMissing = [...due].filter((k) => !rows.has(k)).length;
      const outboxUnexpected = [...rows.keys()].filter((k) => !due.has(k)).length;
      const outboxDuplicates = [...rows.values()].reduce((a, n) => a + n - 1, 0);

      const lost = lostKeys.length;
      const ok =
        lost === 0 &&
        duplicates === 0 &&
        splitTaps === 0 &&
        unexpected.length === 0 &&
        outboxMissing === 0 &&
        outboxDuplicates === 0 &&
        outboxUnexpected === 0;
      const result: DrillResult = {
        name: `drill_${this.opts.name}`,
        value: lost,
        unit: 'lost',
        ok,
        taps_planned: this.plan.taps.length,
        taps_sent: this.acked.size,
        taps_stored: taps.length,
        lost,
        duplicates,
        split_taps: splitTaps,
        unexpected: unexpected.length,
        dup_answers: this.dupAnswers,
        no_ack: this.noAck.size,
        no_ack_stored: noAckStored,
        err_answers: this.errAnswers,
        outbox_due: due.size,
        outbox_rows: outbox.length,
        outbox_missing: outboxMissing,
        outbox_duplicates: outboxDuplicates,
        outbox_unexpected: outboxUnexpected,
        notifications:
          'outbox rows = due, each (student, day, event, guardian) exactly once; the drill guardians have no consent, so the worker skips them (counting messages the provider stand-ins received is still to do)',
        faults,
        seconds: Math.round((performance.now() - this.started) / 100) / 10,
        setup_seconds: Math.round(this.setupSeconds * 10) / 10,
        rush_seconds: Math.round(this.rushSeconds * 10) / 10,
        drain_seconds: Math.round(drainSeconds * 10) / 10,
        adms_terminals: this.admsTerminals.length,
        adms_punches: this.admsPunches,
        adms_unregistered: this.admsUnregistered,
        adms_lines_repushed_or_retried: this.admsTerminals.reduce((a, t) => a + t.stats.pushFailures, 0),
      };
      Object.assign(result, this.extra);
      if (outboxDuplicates) {
        // Which student-days got a notification twice, with their taps: the evidence for a report.
        const doubled = [...rows].filter(([, n]) => n > 1).slice(0, 3);
        result.outbox_duplicate_examples = doubled.map(([k, n]) => {
          const [studentId, date, event] = k.split('|');
          return {
            event,
            rows: n,
            outbox: outbox
              .filter((o) => `${o.student_id}|${o.local_date}|${o.event}|${o.guardian_id}|${o.channel}` === k)
              .map(
                (o) =>
                  `tap ${o.tap_id} written ${o.created_at.toISOString()}, tap received ${o.received_at?.toISOString()}`,
              ),
            taps: taps
              .filter((t) => t.student_id === studentId && t.local_date === date)
              .map(
                (t) =>
                  `${t.id} ${t.terminal} ${t.direction} ${t.at.toISOString()} seq ${t.raw.split(',')[1]}`,
              ),
          };
        });
      }
      if (outboxMissing) {
        result.outbox_missing_examples = [...due]
          .filter((k) => !rows.has(k))
          .slice(0, 4)
          .map((k) => {
            const [studentId, date, event] = k.split('|');
            const theirs = taps.filter((t) => t.student_id === studentId && t.local_date === date);
            return {
              event,
              taps: theirs.map((t) => `${t.terminal} ${t.direction} ${t.at.toISOString()} ${t.id}`),
              outbox: outbox
                .filter((o) => o.student_id === studentId)
                .map((o) => `${o.event} ${o.channel} ${o.tap_id}`),
            };
          });
      }
      if (lost) result.lost_examples = lostKeys.slice(0, 5);
      if (unexpected.length) result.unexpected_examples = unexpected.slice(0, 5);
      return result;
    } finally {
      await c.end();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.terminals.map((t) => t.close()));
    await Promise.all(this.gateways.map((g) => g.stop()));
    await this.server?.stop();
    await this.proxy?.close();
    await this.broker?.stop();
  }

  /** Output tails of every child, for a failure report. */
  tails(): string {
    return [this.server, this.broker, ...this.gateways]
      .filter((p) => p)
      .map((p) => `--- ${p!.name} (starts ${p!.starts}, kills ${p!.kills})\n${p!.tail(2000)}`)
      .join('\n');
  }
}

/** A gate: a smart terminal on a TCP link or a ZKTeco ADMS terminal pushing over HTTP. */
type Gate = SimulatedTerminal | SimulatedAdmsTerminal;

export { cardToText };
