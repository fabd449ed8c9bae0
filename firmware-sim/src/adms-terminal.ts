/**
 * A simulated ZKTeco ADMS ("iclock") terminal (CONTRACT §1 `adms`), talking real HTTP to its server
 * (the gateway) as the devices do: a handshake (`options=all`), punches kept in the terminal's own
 * log and pushed in batches (`table=ATTLOG`) until answered `OK`, `getrequest` polls, USERINFO
 * commands applied to its user list and their results posted to `devicecmd`. After a reconnect it
 * pushes again lines the server may already have (real terminals do when their stamp resets).
 * Faults: a wrong clock, a dropped network, refusing a command.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  DEFAULT_TIME_ZONE,
  encodeAdmsCommandResult,
  encodeAttlogLine,
  parseAdmsCommands,
  parseAdmsHandshake,
  systemClock,
  toAdmsCardNumber,
  toAdmsTime,
  type AdmsCommandResult,
  type CardId,
  type CardTech,
  type Clock,
} from '@rfid/protocol';
import { cardFromInput, widenToEm40 } from './cards.js';
import { SimError } from './errors.js';
import { defaultLogger } from './logger.js';
import type { SentOutcome } from './terminal.js';

export interface AdmsTerminalOptions {
  /** Terminal id, as the gateway config names it. */
  id: string;
  /** Serial number the terminal sends as `SN`. */
  sn: string;
  /** The server address set in the terminal's "Cloud server" menu: `http://HOST:PORT`. */
  server: string;
  /** Cards the terminal reads. Default `em4100`. */
  tech?: CardTech;
  /** Milliseconds between ATTLOG pushes while lines wait (real-time push batches what a second brings). Default 1000. */
  pushEveryMs?: number;
  /** Lines per push at most. Default 200. */
  maxLinesPerPush?: number;
  /** Milliseconds between `getrequest` polls; default the handshake's `Delay`. */
  pollEveryMs?: number;
  /** Milliseconds to wait after a failed request; default the handshake's `ErrorDelay`, at most 2000 here. */
  errorDelayMs?: number;
  /** Fault: the terminal's clock runs this far from the true one (ms; + is fast). */
  clockOffsetMs?: number;
  clock?: Clock;
  /** The zone the terminal's clock is set to. Default `Asia/Ho_Chi_Minh`. */
  timeZone?: string;
  logger?: Logger;
}

export interface AdmsUserEntry {
  pin: string;
  name: string;
  card: string;
}

interface LogLine {
  line: string;
  pin: string;
  time: string;
  /** Answered `OK` by the server. */
  sent: boolean;
}

export interface AdmsTerminalStats {
  punches: number;
  unregistered: number;
  pushes: number;
  linesPushed: number;
  linesRepushed: number;
  pushFailures: number;
  polls: number;
  commandsApplied: number;
  commandsRefused: number;
  handshakes: number;
  refusals: number;
}

/** The gateway-config entry for this terminal (CONTRACT §1 `adms`). */
export interface AdmsGatewayTerminalConfig {
  id: string;
  format: 'adms';
  sn: string;
  source: string;
}

export class SimulatedAdmsTerminal extends EventEmitter {
  readonly id: string;
  readonly sn: string;
  private readonly serverUrl: URL;
  private readonly clock: Clock;
  private readonly timeZone: string;
  private readonly log: Logger;
  private agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** The terminal's user list: PIN → user. */
  readonly users = new Map<string, AdmsUserEntry>();
  private readonly attlog: LogLine[] = [];
  /** Index of the first line not yet answered OK. */
  private firstUnsent = 0;
  private pendingResults: AdmsCommandResult[] = [];
  private readonly pendingOperlog: string[] = [];
  private running = false;
  private online = false;
  private timers = new Set<NodeJS.Timeout>();
  private loops: Promise<void>[] = [];
  private pushEveryMs: number;
  private pollEveryMs: number;
  private errorDelayMs: number;
  private clockOffsetMs: number;
  /** Commands to refuse (fault): their result is a negative code. */
  private refuseNext = 0;
  /** Commands the last poll brought (-1 before the first poll). */
  private lastPollCommands = -1;
  readonly options: Readonly<AdmsTerminalOptions>;
  readonly stats: AdmsTerminalStats = {
    punches: 0,
    unregistered: 0,
    pushes: 0,
    linesPushed: 0,
    linesRepushed: 0,
    pushFailures: 0,
    polls: 0,
    commandsApplied: 0,
    commandsRefused: 0,
    handshakes: 0,
    refusals: 0,
  };

  constructor(options: AdmsTerminalOptions) {
    super();
    this.options = options;
    this.id = options.id;
    this.sn = options.sn;
    try {
      this.serverUrl = new URL(options.server);
    } catch {
      throw new SimError('bad_option', `ADMS server "${options.server}" is not an http://HOST:PORT address`);
    }
    this.clock = options.clock ?? systemClock;
    this.timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.log = (options.logger ?? defaultLogger()).child({ terminal: options.id, sn: options.sn });
    this.pushEveryMs = options.pushEveryMs ?? 1000;
    this.pollEveryMs = options.pollEveryMs ?? 10_000;
    this.errorDelayMs = options.errorDelayMs ?? 2000;
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
  }

  /** How the gateway config names this terminal; `source` is where the gateway listens. */
  gatewayConfig(): AdmsGatewayTerminalConfig {
    return {
      id: this.id,
      format: 'adms',
      sn: this.sn,
      source: `adms://${this.serverUrl.hostname}:${this.serverUrl.port}`,
    };
  }

  /** Power on: handshake, then push and poll until `close()` or `disconnect()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.online = true;
    this.loops = [this.runLoop()];
  }

  /**
   * Resolves true once the server answered the handshake and its user list has arrived (no command
   * in the last poll), false after `timeoutMs`: before that every card would be "Unregistered".
   */
  async waitForGateway(timeoutMs = 10_000): Promise<boolean> {
    const until = performance.now() + timeoutMs;
    while (performance.now() < until) {
      if (this.stats.handshakes > 0 && this.users.size > 0 && this.lastPollCommands === 0) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Fault: the network to the server drops (nothing sent until `reconnect`). */
  async disconnect(): Promise<void> {
    this.online = false;
    this.agent.destroy(); // a push in flight loses its answer: its lines go again after reconnect
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await this.stopLoops();
  }

  /**
   * The network is back: handshake again, push what was not answered OK and, as real terminals
   * do after a reconnect, the last `repushLast` lines that were.
   */
  reconnect(repushLast = 0): void {
    const from = Math.max(0, this.firstUnsent - repushLast);
    this.stats.linesRepushed += this.firstUnsent - from;
    for (let i = from; i < this.firstUnsent; i++) this.attlog[i]!.sent = false;
    this.firstUnsent = from;
    this.start();
  }

  /** Fault: the terminal's clock is set wrong by this much from now on. */
  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  /** Fault: refuse the next `n` commands (result `Return=-1002`). */
  refuseCommands(n: number): void {
    this.refuseNext += n;
  }

  /** The terminal's own clock (wrong when a clock fault is set). */
  terminalTime(): Date {
    return new Date(this.clock.now().getTime() + this.clockOffsetMs);
  }

  /** Enrol a user at the device itself (as staff do from its menu); pushed as OPERLOG. */
  enrolAtDevice(user: AdmsUserEntry): void {
    this.users.set(user.pin, user);
    this.pendingOperlog.push(
      `USER PIN=${user.pin}\tName=${user.name}\tPri=0\tPasswd=\tCard=${user.card}\tGrp=1`,
    );
  }

  /** A card touches the reader: a punch of its user, or "unregistered" (nothing logged). */
  tap(input: CardId | string): Promise<SentOutcome> {
    const started = performance.now();
    const card = widenToEm40(typeof input === 'string' ? cardFromInput(input) : input);
    const number = toAdmsCardNumber(card);
    const user = [...this.users.values()].find((u) => u.card === number);
    if (!user) {
      this.stats.unregistered++;
      this.emit('display', { terminal: this.id, text: 'Unregistered', card });
      return Promise.resolve({ result: 'DROPPED', frames: 0, latencyMs: performance.now() - started, card });
    }
    this.punch(user.pin);
    return Promise.resolve({ result: 'SENT', frames: 1, latencyMs: performance.now() - started, card });
  }

  /** A punch by PIN (fingerprint, face, keypad): logged with the terminal's own time. */
  punch(pin: string, status = 0): { pin: string; time: string } {
    const time = toAdmsTime(this.terminalTime(), this.timeZone);
    this.attlog.push({ line: encodeAttlogLine({ pin, time, status, verify: 4 }), pin, time, sent: false });
    this.stats.punches++;
    return { pin, time };
  }

  /** Lines in the terminal's log / not yet answered OK. */
  get logSize(): number {
    return this.attlog.length;
  }

  get unsent(): number {
    return this.attlog.length - this.firstUnsent;
  }

  /** Lines the server answered `OK` for (it promised they are on its disk). */
  acknowledgedLines(): string[] {
    return this.attlog.filter((l) => l.sent).map((l) => l.line);
  }

  /** Every punch in the log (PIN and terminal time). */
  punches(): { pin: string; time: string }[] {
    return this.attlog.map(({ pin, time }) => ({ pin, time }));
  }

  async close(): Promise<void> {
    this.online = false;
    await this.stopLoops();
    this.agent.destroy();
  }

  private async stopLoops(): Promise<void> {
    this.running = false;
    for (const t of this.timers) {
      clearTimeout(t);
    }
    for (const t of this.timers) this.timers.delete(t);
    this.wake?.();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private wake: (() => void) | undefined;

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.wake = undefined;
        resolve();
      }, ms);
      this.timers.add(t);
      this.wake = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async runLoop(): Promise<void> {
    while (this.running && !(await this.handshake())) await this.sleep(this.errorDelayMs);
    let nextPoll = 0;
    while (this.running) {
      const now = performance.now();
      let ok = true;
      if (this.pendingOperlog.length) ok = (await this.pushOperlog()) && ok;
      if (this.firstUnsent < this.attlog.length) ok = (await this.pushAttlog()) && ok;
      if (this.running && performance.now() >= nextPoll) {
        ok = (await this.poll()) && ok;
        nextPoll = performance.now() + this.pollEveryMs;
      }
      if (!this.running) break;
      await this.sleep(ok ? Math.max(1, this.pushEveryMs - (performance.now() - now)) : this.errorDelayMs);
    }
  }

  private path(p: string, query: Record<string, string>): string {
    return `${p}?${new URLSearchParams({ SN: this.sn, ...query }).toString()}`;
  }

  private request(
    method: 'GET' | 'POST',
    path: string,
    body?: string,
  ): Promise<{ status: number; body: string } | undefined> {
    if (!this.online) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const req = http.request(
        {
          host: this.serverUrl.hostname,
          port: this.serverUrl.port,
          method,
          path,
          agent: this.agent,
          headers:
            body !== undefined
              ? { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }
              : {},
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', () => resolve(undefined));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        this.log.debug({ err: err.message, path }, 'ADMS request failed');
        resolve(undefined);
      });
      req.end(body);
    });
  }

  private async handshake(): Promise<boolean> {
    const r = await this.request(
      'GET',
      this.path('/iclock/cdata', { options: 'all', pushver: '2.4.1', language: '69' }),
    );
    if (!r) return false;
    if (r.status !== 200) {
      this.stats.refusals++;
      this.emit('refused', { status: r.status, body: r.body });
      return false;
    }
    const { options } = parseAdmsHandshake(r.body);
    const delay = Number(options.get('Delay'));
    if (this.options.pollEveryMs === undefined && delay > 0) this.pollEveryMs = delay * 1000;
    const errorDelay = Number(options.get('ErrorDelay'));
    if (this.options.errorDelayMs === undefined && errorDelay > 0)
      this.errorDelayMs = Math.min(2000, errorDelay * 1000);
    this.stats.handshakes++;
    this.emit('handshake', Object.fromEntries(options));
    return true;
  }

  private async pushAttlog(): Promise<boolean> {
    const end = Math.min(this.attlog.length, this.firstUnsent + (this.options.maxLinesPerPush ?? 200));
    const batch = this.attlog.slice(this.firstUnsent, end);
    const r = await this.request(
      'POST',
      this.path('/iclock/cdata', { table: 'ATTLOG', Stamp: String(this.firstUnsent) }),
      batch.map((l) => l.line).join('\n') + '\n',
    );
    this.stats.pushes++;
    if (!r || r.status !== 200 || !r.body.startsWith('OK')) {
      this.stats.pushFailures++;
      return false;
    }
    for (const l of batch) l.sent = true;
    this.firstUnsent = end;
    this.stats.linesPushed += batch.length;
    this.emit('pushed', batch.length);
    return true;
  }

  private async pushOperlog(): Promise<boolean> {
    const lines = this.pendingOperlog.slice();
    const r = await this.request(
      'POST',
      this.path('/iclock/cdata', { table: 'OPERLOG', Stamp: '0' }),
      lines.join('\n') + '\n',
    );
    if (!r || r.status !== 200) return false;
    this.pendingOperlog.splice(0, lines.length);
    return true;
  }

  private async poll(): Promise<boolean> {
    if (this.pendingResults.length && !(await this.postResults())) return false;
    const r = await this.request('GET', this.path('/iclock/getrequest', {}));
    this.stats.polls++;
    if (!r || r.status !== 200) return false;
    const { commands, other } = parseAdmsCommands(r.body);
    this.lastPollCommands = commands.length + other.length;
    for (const c of commands) {
      let returnCode = 0;
      if (this.refuseNext > 0) {
        this.refuseNext--;
        returnCode = -1002;
        this.stats.commandsRefused++;
      } else if (c.kind === 'update-user') {
        this.users.set(c.user.pin, { ...c.user });
        this.stats.commandsApplied++;
      } else {
        this.users.delete(c.pin);
        this.stats.commandsApplied++;
      }
      this.pendingResults.push({ id: c.id, returnCode, cmd: 'DATA' });
    }
    for (const o of other)
      this.pendingResults.push({ id: o.id, returnCode: -1, cmd: o.cmd.split(' ')[0] ?? '' });
    if (commands.length) this.emit('commands', commands.length);
    return this.pendingResults.length ? this.postResults() : true;
  }

  private async postResults(): Promise<boolean> {
    const results = this.pendingResults.slice();
    const r = await this.request(
      'POST',
      this.path('/iclock/devicecmd', {}),
      results.map(encodeAdmsCommandResult).join('\n') + '\n',
    );
    if (!r || r.status !== 200) return false;
    this.pendingResults.splice(0, results.length);
    return true;
  }
}
