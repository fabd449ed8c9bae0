/** The server CLI, gateway CLIs and a Mosquitto, each a restartable {@link Child}. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Child, GATEWAY_CLI, SERVER_MAIN, isListening, waitFor } from './child.js';

export interface ServerProcessOptions {
  databaseUrl: string;
  httpPort: number;
  /** Embedded broker on this port, or an external broker. */
  mqtt: { port: number } | { url: string };
  adminPassword: string;
  dataDir: string;
  logLevel: string;
  /** More environment (the §6 provider variables, the worker's settings). */
  env?: Record<string, string>;
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
      ...opts.env,
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
