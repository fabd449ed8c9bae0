/**
 * `startGateway`: wires terminals → tap intake → durable queue → publisher → MQTT, plus roster,
 * commands, status and metrics. Rules live in the classes it wires; this file only connects them.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  AcksMessageSchema,
  CommandMessageSchema,
  RosterMessageSchema,
  parsePayload,
  systemClock,
  toRfc3339,
  type Clock,
  type CommandMessage,
  type GatewayOnlineStatus,
  type Tap,
} from '@rfid/protocol';
import { startAdms } from './adms-gateway.js';
import type { AdmsCounters } from './adms-service.js';
import type { GatewayConfig } from './config.js';
import { createGatewayLogger } from './logger.js';
import { GatewayMetrics, serveMetrics, type GatewayTotals } from './metrics.js';
import { MqttLink } from './mqtt-link.js';
import { RosterIndex } from './roster-index.js';
import { RosterStore } from './roster-store.js';
import { SecretStore } from './secret-store.js';
import { SqliteTapQueue } from './sqlite-queue.js';
import { TapIntake } from './tap-intake.js';
import { TapPublisher, type Lane } from './tap-publisher.js';
import type { StoredTap, TapQueue } from './tap-queue.js';
import { TerminalSession, type TerminalState } from './terminal-session.js';
import type { BackOff } from './terminal-link.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayDeps {
  clock?: Clock;
  logger?: Logger;
  /** Replace the SQLite queue (e.g. `MemoryTapQueue` in tools); the gateway closes it on stop. */
  queue?: TapQueue;
  /** Terminal reopen back-off (tests shorten it). */
  terminalBackOff?: BackOff;
  /** MQTT reconnect period, ms (tests shorten it). */
  mqttReconnectMs?: number;
  /** Add Node's process metrics (CPU, memory, event loop lag) to the registry; the CLI does. */
  defaultMetrics?: boolean;
}

export interface GatewayStatus {
  mqttConnected: boolean;
  queue: { depth: number; bytes: number; inFlight: number; dropped: number; full: boolean };
  terminals: TerminalState[];
  roster: { version: number; cards: number };
  clockOffsetMs: number | null;
  counters: GatewayTotals;
}

export interface GatewayEvents {
  /** A tap is durable on disk (before the smart terminal's ACK is written). */
  'tap-stored': [tap: StoredTap];
  /** A taps message went out. */
  published: [taps: Tap[], lane: Lane];
  /** The server acked these ids. */
  acked: [ids: string[]];
  /** Broker connection up (true) or down (false). */
  mqtt: [connected: boolean];
  roster: [version: number];
  command: [cmd: CommandMessage];
  /** A status message was published. */
  status: [status: GatewayOnlineStatus];
}

export class GatewayHandle extends EventEmitter<GatewayEvents> {
  /** Ports the ADMS listeners actually listen on (in the order of their first terminal). */
  admsPorts: number[] = [];
  /** ADMS counters (pushes, punches stored, re-pushed, commands …), when ADMS terminals are configured. */
  admsCounters: AdmsCounters | undefined;
  /** Set when `metrics.port` is configured: the port /metrics actually listens on. */
  metricsPort: number | undefined;
  /** @internal */ stopHandlers: (() => Promise<void> | void)[] = [];
  /** @internal */ statusSource: () => GatewayStatus = () => {
    throw new Error('gateway not started');
  };
  private stopping: Promise<void> | undefined;

  constructor(readonly metrics: GatewayMetrics) {
    super();
  }

  status(): GatewayStatus {
    return this.statusSource();
  }

  /** Graceful stop: terminals, MQTT (offline status), metrics server, SQLite. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const h of this.stopHandlers.reverse()) await h();
    })();
    return this.stopping;
  }
}

/** A `display` command without `seconds` is shown this long. */
export const DISPLAY_SECONDS_DEFAULT = 10;

/** How often terminal presence is checked (status is published on change). */
const PRESENCE_CHECK_MS = 2_000;

export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<GatewayHandle> {
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? createGatewayLogger(config.logLevel)).child({
    gatewayId: config.gatewayId,
  });
  const log = logger.child({ component: 'gateway' });
  const metrics = new GatewayMetrics({ defaultMetrics: deps.defaultMetrics ?? false });
  const handle = new GatewayHandle(metrics);
  const nowMs = () => clock.now().getTime();

  mkdirSync(config.dataDir, { recursive: true });
  const queue = deps.queue ?? new SqliteTapQueue(path.join(config.dataDir, 'queue.sqlite'));
  handle.stopHandlers.push(() => queue.close());
  const rosterStore = new RosterStore(config.dataDir);
  let roster = new RosterIndex(rosterStore.load());
  let clockOffsetMs: number | null = null;
  let dropped = queue.droppedTotal();
  let queueFull = false;

  const updateQueueGauges = () => {
    metrics.queueDepth.set(queue.depth());
    metrics.queueBytes.set(queue.bytes());
  };

  const secretStore = new SecretStore(config.dataDir);
  const mqttPassword = secretStore.effectivePassword(config.mqtt.password);
  if (mqttPassword !== config.mqtt.password)
    log.info('logging in with the rotated secret a secret command delivered');
  const mqttLink = new MqttLink(
    {
      url: config.mqtt.url,
      ...(config.mqtt.username !== undefined ? { username: config.mqtt.username } : {}),
      ...(mqttPassword !== undefined ? { password: mqttPassword } : {}),
      ...(config.mqtt.ca !== undefined ? { ca: config.mqtt.ca } : {}),
      schoolId: config.schoolId,
      gatewayId: config.gatewayId,
      ...(deps.mqttReconnectMs !== undefined ? { reconnectPeriodMs: deps.mqttReconnectMs } : {}),
    },
    logger.child({ component: 'mqtt' }),
  );

  const publisher = new TapPublisher({
    queue,
    batchMax: config.batchMax,
    maxInFlightBatches: config.maxInFlightBatches,
    resendAfterMs: config.resendAfterSeconds * 1000,
    send: (payload) => mqttLink.publish('taps', payload),
    metrics,
    log: logger.child({ component: 'publisher' }),
    onPublished: (taps, lane) => handle.emit('published', taps, lane),
    onAcked: (ids) => {
      updateQueueGauges();
      handle.emit('acked', ids);
    },
  });

  const enforceLimits = () => {
    const n = queue.enforceLimits(config.queue, nowMs());
    const limited = config.queue.maxBytes !== undefined || config.queue.maxDays !== undefined;
    const nearCap = config.queue.maxBytes !== undefined && queue.bytes() >= config.queue.maxBytes * 0.95;
    const wasFull = queueFull;
    queueFull = limited && (n > 0 || nearCap);
    if (n > 0) {
      dropped += n;
      metrics.dropped.inc(n);
      log.error(
        {
          dropped: n,
          droppedTotal: dropped,
          depth: queue.depth(),
          bytes: queue.bytes(),
          limits: config.queue,
        },
        'QUEUE FULL: oldest unacked taps dropped past the configured cap',
      );
    }
    if (queueFull !== wasFull) void publishStatus();
  };

  const intake = new TapIntake({
    queue,
    clock,
    timeZone: config.timeZone,
    repeatWindowMs: config.repeatWindowSeconds * 1000,
    roster: () => roster,
    metrics,
    log: logger.child({ component: 'intake' }),
    onStored: (tap) => tapStored(tap),
  });
  function tapStored(tap: StoredTap): void {
    handle.emit('tap-stored', tap);
    // After the store and before anything else may block: the ACK is written by the caller.
    queueMicrotask(() => {
      if (config.queue.maxBytes !== undefined && queue.bytes() > config.queue.maxBytes) enforceLimits();
      updateQueueGauges();
      publisher.onStored(tap);
    });
  }

  // ZKTeco ADMS terminals: an HTTP listener of their own, the same queue and publisher.
  const adms = await startAdms(config, {
    queue,
    clock,
    roster: () => roster,
    savedRoster: rosterStore.load(),
    metrics,
    log: logger.child({ component: 'adms' }),
    onStored: tapStored,
  });
  if (adms) {
    handle.admsPorts = adms.ports;
    handle.admsCounters = adms.service.counters;
    handle.stopHandlers.push(() => adms.close());
  }

  const terminals = config.terminals.flatMap((t) =>
    t.format === 'adms'
      ? []
      : new TerminalSession(
          t,
          intake,
          metrics,
          logger.child({ component: 'terminal', terminal: t.id }),
          config.timeZone,
          nowMs,
          deps.terminalBackOff,
        ),
  );

  const terminalStates = () => [...terminals.map((t) => t.state()), ...(adms?.service.states() ?? [])];

  const status = (): GatewayOnlineStatus => ({
    online: true,
    version: GATEWAY_VERSION,
    queue: queue.depth(),
    terminals: terminalStates().map(({ id, online, lastSeen }) => ({ id, online, lastSeen })),
    at: toRfc3339(clock.now(), config.timeZone),
    ...(clockOffsetMs !== null ? { clockOffsetMs } : {}),
    ...(queueFull || dropped > 0 ? { queueFull, dropped } : {}),
  });

  async function publishStatus(): Promise<void> {
    if (!mqttLink.connected) return;
    const s = status();
    try {
      await mqttLink.publish('status', JSON.stringify(s), true);
      handle.emit('status', s);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'status publish failed');
    }
  }

  const onCommand = (cmd: CommandMessage) => {
    switch (cmd.type) {
      case 'time': {
        const serverMs = Date.parse(cmd.serverTime);
        clockOffsetMs = nowMs() - serverMs;
        log.info({ cmdId: cmd.id, clockOffsetMs }, 'clock offset against the server');
        void publishStatus();
        break;
      }
      case 'display': {
        const targets =
          cmd.terminal === undefined
            ? terminals.filter((t) => t.config.format === 'smart')
            : terminals.filter((t) => t.config.id === cmd.terminal);
        if (cmd.terminal !== undefined && targets.length === 0) {
          log.warn(
            { cmdId: cmd.id, terminal: cmd.terminal },
            'display command for a terminal this gateway does not have',
          );
          break;
        }
        const seconds = cmd.seconds ?? DISPLAY_SECONDS_DEFAULT;
        const shown: string[] = [];
        const notShown: string[] = [];
        for (const t of targets) (t.display(cmd.text, seconds) ? shown : notShown).push(t.config.id);
        log.info({ cmdId: cmd.id, shown, notShown, seconds }, 'display command');
        break;
      }
      case 'enroll':
        // Unknown cards are always queued and sent; the server does the enrolment from them.
        log.info({ cmdId: cmd.id, terminal: cmd.terminal }, 'enroll command: unknown cards are sent anyway');
        break;
      case 'secret':
        // Stored before the switch, so a restart in between still logs in (the old secret works
        // through the grace period either way). The secret itself is never logged.
        try {
          secretStore.save(cmd.password, config.mqtt.password, toRfc3339(clock.now(), config.timeZone));
        } catch (err) {
          log.error({ cmdId: cmd.id, err }, 'rotated secret could not be stored; using it until restart');
        }
        log.info(
          { cmdId: cmd.id, oldValidUntil: cmd.oldValidUntil },
          'broker secret rotated: reconnecting with the new one',
        );
        void mqttLink.changePassword(cmd.password);
        break;
      default: {
        const never: never = cmd;
        log.warn({ cmd: never }, 'unknown command');
      }
    }
    handle.emit('command', cmd);
  };

  mqttLink.on('message', (kind, payload) => {
    if (kind === 'acks') {
      const r = parsePayload(AcksMessageSchema, payload);
      if (!r.ok) return log.warn({ error: r.error }, 'bad acks message ignored');
      publisher.onAcks(r.value.ids);
    } else if (kind === 'roster') {
      let json: unknown;
      try {
        json = JSON.parse(payload.toString('utf8'));
      } catch (e) {
        return log.warn({ error: (e as Error).message }, 'bad roster JSON ignored');
      }
      const r = RosterMessageSchema.safeParse(json);
      if (!r.success) return log.warn({ error: r.error.message }, 'bad roster ignored');
      roster = new RosterIndex(r.data);
      if (roster.rejected.length)
        log.warn({ rejected: roster.rejected.length }, 'roster entries with bad cards ignored');
      try {
        rosterStore.save(r.data);
      } catch (err) {
        log.error({ err }, 'roster could not be saved; kept in memory');
      }
      log.info({ version: roster.version, cards: roster.size }, 'roster received');
      adms?.service.onRoster(r.data);
      handle.emit('roster', roster.version);
    } else {
      const r = parsePayload(CommandMessageSchema, payload);
      if (!r.ok) return log.warn({ error: r.error }, 'bad command ignored');
      onCommand(r.value);
    }
  });
  mqttLink.on('connect', () => {
    metrics.mqttConnected.set(1);
    publisher.setConnected(true);
    void publishStatus();
    handle.emit('mqtt', true);
  });
  mqttLink.on('offline', () => {
    metrics.mqttConnected.set(0);
    publisher.setConnected(false);
    handle.emit('mqtt', false);
  });

  // Presence: publish status when a terminal goes on/offline, and every statusInterval anyway.
  let lastPresence = '';
  const presenceTimer = setInterval(() => {
    const states = terminalStates();
    for (const s of states) metrics.terminalOnline.set({ terminal: s.id }, s.online ? 1 : 0);
    const presence = states.map((s) => `${s.id}:${s.online}`).join(',');
    if (presence !== lastPresence) {
      lastPresence = presence;
      void publishStatus();
    }
    intake.prune();
  }, PRESENCE_CHECK_MS);
  const statusTimer = setInterval(() => void publishStatus(), config.statusIntervalSeconds * 1000);
  const housekeepingTimer = setInterval(() => {
    enforceLimits();
    queue.forgetAcked(nowMs() - intake.keepAckedMs);
    adms?.service.housekeep();
    updateQueueGauges();
  }, 60_000);

  enforceLimits();
  updateQueueGauges();
  handle.statusSource = () => ({
    mqttConnected: mqttLink.connected,
    queue: {
      depth: queue.depth(),
      bytes: queue.bytes(),
      inFlight: publisher.inFlightCount,
      dropped,
      full: queueFull,
    },
    terminals: terminalStates(),
    roster: { version: roster.version, cards: roster.size },
    clockOffsetMs,
    counters: { ...metrics.totals },
  });

  if (config.metrics) {
    const server = await serveMetrics(metrics.registry, config.metrics.port, config.metrics.host);
    handle.metricsPort = server.port;
    handle.stopHandlers.push(() => server.close());
  }

  publisher.start();
  mqttLink.start();
  for (const t of terminals) t.start();
  log.info(
    {
      schoolId: config.schoolId,
      terminals: config.terminals.length,
      queue: queue.depth(),
      roster: roster.version,
    },
    'gateway started',
  );

  handle.stopHandlers.push(async () => {
    clearInterval(presenceTimer);
    clearInterval(statusTimer);
    clearInterval(housekeepingTimer);
    publisher.stop();
    await mqttLink.stop();
  });
  handle.stopHandlers.push(async () => {
    await Promise.all(terminals.map((t) => t.stop()));
    intake.flush(); // taps read before the links closed are committed before the queue closes
  });
  return handle;
}
