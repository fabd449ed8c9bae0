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
import { cardToText } from '@rfid/protocol';
import {
  createTerminal,
  SimulatedAdmsTerminal,
  runPlan,
  type RunResult,
  type RushPlan,
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
import { startProviderSims, type ProviderSims } from '@rfid/provider-sim';
import { DRILL_CONSENT, seedDrillSchools, type DrillChannel, type SeededSchool } from './rig-seed.js';
import { verifyDrill, type DrillResult } from './rig-verify.js';
import { drillRushPlan, fillAdmsRosters } from './rig-plan.js';

export type { DrillResult } from './rig-verify.js';

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

const ADMIN_PASSWORD = 'drill-province-operator';

/**
 * The worker's settings in a drill: a drill's minutes stand for a morning's hours. No quiet hours
 * (a drill may run at any hour), providers' limits raised to what the stand-ins take, back-off
 * scaled down (250 ms doubling to 4 s, attempts enough to outlast a rush with the providers down),
 * and a lease of 12 s so a row a killed server held is taken again within the drill's drain.
 */
export const DRILL_NOTIFY_ENV: Record<string, string> = {
  NOTIFY_QUIET_HOURS: 'none',
  NOTIFY_LIMITS: JSON.stringify({
    zalo: { concurrency: 16, perSecond: 5000 },
    sms: { concurrency: 16, perSecond: 5000 },
    email: { concurrency: 4, perSecond: 2000 }, // the e-mail channel's SMTP pool has 2 connections
    push: { concurrency: 16, perSecond: 5000 },
  }),
  NOTIFY_LEASE_MS: '12000',
  NOTIFY_SEND_TIMEOUT_MS: '5000',
  NOTIFY_BACKOFF_BASE_MS: '250',
  NOTIFY_BACKOFF_MAX_MS: '4000',
  NOTIFY_MAX_ATTEMPTS: '40',
};

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
  /** The provider stand-ins (ZNS + OAuth, eSMS, SMTP, Web Push) the server sends to: what they received is counted. */
  sims!: ProviderSims;
  private schools: SeededSchool[] = [];
  private expectedChannel = new Map<string, DrillChannel | null>();
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
    this.sims = await startProviderSims();
    this.server = new ServerProcess({
      databaseUrl: this.databaseUrl,
      httpPort: await freePort(),
      mqtt,
      adminPassword: ADMIN_PASSWORD,
      dataDir: path.join(o.workDir, 'server'),
      logLevel: o.serverLogLevel ?? 'warn',
      env: { ...this.sims.env, ...DRILL_NOTIFY_ENV },
    });
    await this.server.start();
    // Consent as a school records the forms it collected: through the API, for every guardian.
    for (const school of this.schools)
      await this.server.api('POST', `/schools/${school.id}/consents`, {
        channels: DRILL_CONSENT,
        granted: true,
        method: 'paper_form',
        note: 'drill: consent forms collected',
      });
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
    if (this.admsTerminals.length)
      await fillAdmsRosters(this.databaseUrl, this.schools.slice(admsFrom), this.admsTerminals);
    await Promise.all(this.terminals.map((t) => t.waitForGateway(30_000)));
    await waitFor(
      async () => (await Promise.all(this.gateways.map((g) => g.metrics()))).every((m) => m?.mqttConnected),
      'gateways connected to the broker',
      30_000,
    );
    this.plan = drillRushPlan(this.schools, this.opts, this.terminals.length);
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
    const seeded = await seedDrillSchools(this.databaseUrl, this.opts);
    this.schools = seeded.schools;
    this.outboxTargets = seeded.outboxTargets;
    this.expectedChannel = seeded.expectedChannel;
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

  /**
   * After `quiesce()`: no parent's outbox row is pending any more (sent, delivered, skipped or
   * failed) and the stand-ins' counts are stable over two polls. Returns the seconds it took.
   */
  async settleNotifications(timeoutMs: number): Promise<number> {
    const t0 = performance.now();
    const c = new pg.Client({ connectionString: this.databaseUrl });
    await c.connect();
    let last = -1;
    try {
      await waitFor(
        async () => {
          const { rows } = await c.query<{ n: string }>(
            `SELECT count(*) AS n FROM notification_outbox WHERE status = 'pending' AND staff_alert_id IS NULL`,
          );
          if (Number(rows[0]!.n) > 0) return false;
          const n = this.receivedCount();
          const stable = n === last;
          last = n;
          return stable;
        },
        'notifications settled (no pending outbox row, stand-in counts stable)',
        timeoutMs,
        250,
      );
    } finally {
      await c.end();
    }
    return (performance.now() - t0) / 1000;
  }

  /** Requests the stand-ins took, messages or not (a retry of a known key counts too). */
  private receivedCount(): number {
    const s = this.sims;
    return s.zalo.requestCount + s.esms.requestCount + s.push.requestCount + s.smtp.messages().length;
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

  async verify(faults: number, drainSeconds: number, notifySeconds = NaN): Promise<DrillResult> {
    return verifyDrill({
      databaseUrl: this.databaseUrl,
      name: this.opts.name,
      plan: this.plan,
      acked: this.acked,
      noAck: this.noAck,
      admsTerminals: this.admsTerminals,
      outboxTargets: this.outboxTargets,
      expectedChannel: this.expectedChannel,
      sims: this.sims,
      counts: {
        dupAnswers: this.dupAnswers,
        errAnswers: this.errAnswers,
        admsPunches: this.admsPunches,
        admsUnregistered: this.admsUnregistered,
      },
      faults,
      seconds: (performance.now() - this.started) / 1000,
      setupSeconds: this.setupSeconds,
      rushSeconds: this.rushSeconds,
      drainSeconds,
      notifySeconds,
      extra: this.extra,
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.terminals.map((t) => t.close()));
    await Promise.all(this.gateways.map((g) => g.stop()));
    await this.server?.stop();
    await this.proxy?.close();
    await this.broker?.stop();
    await this.sims?.stop();
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
