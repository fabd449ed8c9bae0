/**
 * The processes a fault drill starts, stops and kills: the server CLI, gateway CLIs, a Mosquitto,
 * an embedded PostgreSQL that can be stopped and started on the same port and data directory, and a
 * TCP proxy that can cut a link. Each child keeps the tail of its output for the failure report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Logger } from 'pino';
import type { startEmbeddedPostgres } from '@rfid/server';

/**
 * `@rfid/server` (its built `dist`) is loaded when first needed, not at import: the drill spec
 * builds server and gateway in its `beforeAll`, before anything here runs.
 */
const serverLib = () => import('@rfid/server');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SERVER_MAIN = path.join(root, 'server/dist/main.js');
export const GATEWAY_CLI = path.join(root, 'gateway/dist/cli.js');

/** Poll `check` every `everyMs` until it is truthy; reject naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs: number,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for children: ours, without anything that would configure the server or Node's test flags. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const passthrough = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  for (const k of passthrough) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/** Every child process a drill has running, for `killAllChildren` on an interrupted run. */
const liveChildren = new Set<ChildProcess>();

/** SIGKILL every child still running (Ctrl-C of run-drills: no server or gateway left behind). */
export function killAllChildren(): void {
  for (const c of liveChildren) c.kill('SIGKILL');
}

/** A child process that can be started again after it exits or is killed. */
export class Child {
  private proc: ChildProcess | null = null;
  private out: string[] = [];
  private exit: Promise<void> = Promise.resolve();
  starts = 0;
  kills = 0;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {}

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process; `onLine` sees every stdout line (e.g. to notice readiness). */
  spawn(onLine?: (line: string) => void): ChildProcess {
    if (this.running) throw new Error(`${this.name} is already running`);
    const proc = spawn(this.command, this.args, {
      env: childEnv(this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.starts++;
    const keep = (chunk: Buffer) => {
      this.out.push(chunk.toString('utf8'));
      if (this.out.length > 200) this.out.splice(0, this.out.length - 200);
    };
    let partial = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (!onLine) return;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    proc.stderr!.on('data', keep);
    liveChildren.add(proc);
    this.exit = new Promise<void>((resolve) =>
      proc.once('exit', () => {
        liveChildren.delete(proc);
        resolve();
      }),
    );
    return proc;
  }

  exited(): Promise<void> {
    return this.exit;
  }

  /** `kill -9` and wait until it is gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.proc!.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGTERM');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  tail(chars = 4000): string {
    return this.out.join('').slice(-chars);
  }
}

export interface ServerProcessOptions {
  databaseUrl: string;
  httpPort: number;
  /** Embedded broker on this port, or an external broker. */
  mqtt: { port: number } | { url: string };
  adminPassword: string;
  dataDir: string;
  logLevel: string;
}

/** `node server/dist/main.js` on fixed ports, so a restart comes back where the gateways look. */
export class ServerProcess extends Child {
  readonly httpUrl: string;

  constructor(readonly opts: ServerProcessOptions) {
    super('server', process.execPath, [SERVER_MAIN], {
      DATABASE_URL: opts.databaseUrl,
      HTTP_PORT: String(opts.httpPort),
      HTTP_HOST: '127.0.0.1',
      ADMIN_PASSWORD: opts.adminPassword,
      DATA_DIR: opts.dataDir,
      LOG_LEVEL: opts.logLevel,
      ROSTER_DEBOUNCE_MS: '500',
      // The absence job marks, once a school's cut-off has passed on the wall clock, everyone not
      // yet tapped in as absent (with `absent` outbox rows): whether it runs during a drill would
      // depend on the time of day. The drills count the notifications of taps; the job is off.
      SCHEDULER_INTERVAL_MS: '0',
      ...('url' in opts.mqtt
        ? { MQTT_URL: opts.mqtt.url }
        : { MQTT_PORT: String(opts.mqtt.port), MQTT_HOST: '127.0.0.1', MQTTS_PORT: 'off' }),
    });
    this.httpUrl = `http://127.0.0.1:${opts.httpPort}`;
  }

  /** Starts and resolves when it prints `listening` (MQTT client connected, HTTP up). */
  async start(timeoutMs = 90_000): Promise<void> {
    let ready!: () => void;
    const listening = new Promise<void>((r) => (ready = r));
    this.spawn((line) => {
      if (line.includes('"msg":"listening"')) ready();
    });
    const exited = this.exited().then(() => {
      throw new Error(`server exited during start:\n${this.tail()}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`server did not start within ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([listening, exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    exited.catch(() => undefined);
  }

  private token: string | undefined;

  async api<T>(method: string, route: string, body?: unknown): Promise<T> {
    if (!this.token) {
      const res = await fetch(`${this.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: this.opts.adminPassword }),
      });
      if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      this.token = ((await res.json()) as { accessToken: string }).accessToken;
    }
    const res = await fetch(`${this.httpUrl}/api/v1${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

export interface GatewayMetricsSnapshot {
  depth: number;
  mqttConnected: boolean;
  stored: number;
  acked: number;
  /** Taps published again for want of an ack. */
  resent: number;
}

/** `node gateway/dist/cli.js run --config …` with a metrics port to watch its queue. */
export class GatewayProcess extends Child {
  constructor(
    readonly gatewayId: string,
    readonly configPath: string,
    readonly metricsPort: number,
    config: object,
  ) {
    super(`gateway ${gatewayId}`, process.execPath, [GATEWAY_CLI, 'run', '--config', configPath], {});
    writeFileSync(configPath, JSON.stringify(config, null, 2));
  }

  /** Starts and resolves when `/metrics` answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.spawn();
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited during start:\n${this.tail()}`);
        return (await this.metrics()) !== null;
      },
      `${this.name} metrics`,
      timeoutMs,
      50,
    );
  }

  async metrics(): Promise<GatewayMetricsSnapshot | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, {
        signal: AbortSignal.timeout(2000),
      });
      if (!res.ok) return null;
      const text = await res.text();
      const value = (name: string): number => {
        let sum = 0;
        for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm')))
          sum += Number(m[1]);
        return sum;
      };
      return {
        depth: value('gateway_queue_depth'),
        mqttConnected: value('gateway_mqtt_connected') === 1,
        stored: value('gateway_taps_stored_total'),
        acked: value('gateway_taps_acked_total'),
        resent: value('gateway_taps_published_total\\{lane="resend"\\}'),
      };
    } catch {
      return null;
    }
  }
}

/** A Mosquitto on a fixed port with a temporary config (anonymous, no persistence: a restart forgets everything). */
export class MosquittoProcess extends Child {
  static available(): boolean {
    return [
      '/usr/sbin/mosquitto',
      '/usr/bin/mosquitto',
      '/usr/local/sbin/mosquitto',
      '/usr/local/bin/mosquitto',
    ].some((p) => existsSync(p));
  }

  static binary(): string {
    return (
      [
        '/usr/sbin/mosquitto',
        '/usr/bin/mosquitto',
        '/usr/local/sbin/mosquitto',
        '/usr/local/bin/mosquitto',
      ].find((p) => existsSync(p)) ?? 'mosquitto'
    );
  }

  readonly url: string;

  constructor(
    readonly port: number,
    dir: string,
  ) {
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'max_queued_messages 100000',
        'max_inflight_messages 0',
        '',
      ].join('\n'),
    );
    super('mosquitto', MosquittoProcess.binary(), ['-c', conf], {});
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    this.spawn();
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`mosquitto exited during start:\n${this.tail()}`);
        return isListening(this.port);
      },
      'mosquitto listening',
      timeoutMs,
      50,
    );
  }
}

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * A TCP proxy in front of the broker. `cut()` resets every connection and refuses new ones (the
 * school's internet link is down); `stall()` keeps the connections open but holds every byte
 * (a link that stops delivering without closing: packets queued in a modem); `restore()` lets
 * new connections through and delivers what a stall held back, in order.
 */
export class LinkProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  private stalled = false;
  private readonly held: (() => void)[] = [];
  refused = 0;

  constructor(
    readonly port: number,
    private readonly upstream: { host: string; port: number },
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.down) {
        this.refused++;
        client.resetAndDestroy();
        return;
      }
      const up = net.connect(this.upstream);
      this.sockets.add(client);
      this.sockets.add(up);
      const close = () => {
        client.destroy();
        up.destroy();
        this.sockets.delete(client);
        this.sockets.delete(up);
      };
      client.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk: Buffer) => {
          const write = () => {
            if (!to.destroyed) to.write(chunk);
          };
          if (this.stalled) this.held.push(write);
          else write();
        });
      forward(client, up);
      forward(up, client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  cut(): void {
    this.down = true;
    this.held.length = 0;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  stall(): void {
    this.stalled = true;
  }

  restore(): void {
    this.down = false;
    this.stalled = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/**
 * One embedded PostgreSQL for a drill run (never DATABASE_URL: the PostgreSQL drill stops and
 * starts it). `stop('fast')` is a clean shutdown, `stop('immediate')` SIGQUITs the postmaster
 * (no checkpoint: crash recovery on the next start). `start()` comes back on the same port and data.
 */
export class DrillPostgres {
  private handle: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  port = 0;
  adminUrl = '';
  private readonly created: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const { startEmbeddedPostgres } = await serverLib();
    this.handle = await startEmbeddedPostgres({ dir: this.dir, log: this.log, port: this.port });
    this.adminUrl = this.handle.adminUrl;
  }

  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    if (!this.handle) return;
    const pidFile = path.join(this.dir, 'postmaster.pid');
    if (mode === 'immediate' && existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGQUIT');
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        'postgres to exit',
        30_000,
        50,
      );
    } else {
      await this.handle.stop();
    }
    this.handle = null;
  }

  /** A fresh database, migrated. */
  async createDatabase(name: string): Promise<string> {
    const c = new pg.Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    this.created.push(name);
    const u = new URL(this.adminUrl);
    u.pathname = `/${name}`;
    const { runMigrations } = await serverLib();
    await runMigrations(u.toString());
    return u.toString();
  }

  async close(): Promise<void> {
    if (!this.handle) return;
    await this.stop('fast');
  }
}
