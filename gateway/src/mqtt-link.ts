/**
 * The gateway's MQTT client (CONTRACT §3): MQTT 3.1.1, QoS 1, persistent session (`clean: false`,
 * clientId = gatewayId), retained will `{"online":false}` on `…/status`. Subscribes to `…/acks`,
 * `…/roster` and `…/cmd`. This file is the only one that touches the `mqtt` package.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topicFor, type TopicKind } from '@rfid/protocol';

export interface MqttLinkOptions {
  url: string;
  username?: string;
  password?: string;
  /** PEM of the CA the broker's certificate must chain to (mqtts://); the host name is checked too. */
  ca?: string;
  schoolId: string;
  gatewayId: string;
  /** ms before the first reconnect attempt; later ones back off ×2 with jitter up to `maxReconnectMs`. */
  reconnectPeriodMs?: number;
  /** Cap of the reconnect back-off, ms (default 60 s). */
  maxReconnectMs?: number;
  /** Jitter source in [0, 1) (tests pin it). */
  random?: () => number;
}

/** The next reconnect delay: capped exponential back-off with jitter (half to all of the step). */
export function reconnectDelay(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + (step / 2) * random());
}

export interface MqttLinkEvents {
  connect: [sessionPresent: boolean];
  offline: [];
  message: [kind: 'acks' | 'roster' | 'cmd', payload: Buffer];
}

export const OFFLINE_STATUS = JSON.stringify({ online: false });

export class MqttLink extends EventEmitter<MqttLinkEvents> {
  private client: MqttClient | undefined;
  private up = false;
  /** Failed sessions in a row (refused login or subscription, no broker); reset once subscribed. */
  private failures = 0;
  private lastError = '';
  private readonly topics: Record<TopicKind, string>;

  constructor(
    private opts: MqttLinkOptions,
    private readonly log: Logger,
  ) {
    super();
    const t = (k: TopicKind) => topicFor(opts.schoolId, opts.gatewayId, k);
    this.topics = {
      taps: t('taps'),
      acks: t('acks'),
      status: t('status'),
      roster: t('roster'),
      cmd: t('cmd'),
    };
  }

  private get baseDelay(): number {
    return this.opts.reconnectPeriodMs ?? 2_000;
  }

  /** Failed sessions in a row right now (0 while the link is healthy). */
  get failedAttempts(): number {
    return this.failures;
  }

  get connected(): boolean {
    return this.up;
  }

  start(): void {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.gatewayId,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: this.baseDelay,
      connectTimeout: 10_000,
      // Taps are never handed to mqtt.js while offline: the disk queue is the only backlog.
      queueQoSZero: false,
      // This file subscribes on every connect and judges the SUBACK; mqtt.js must not do it too.
      resubscribe: false,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
      rejectUnauthorized: true,
      will: { topic: this.topics.status, payload: Buffer.from(OFFLINE_STATUS), qos: 1, retain: true },
    });
    this.client = client;
    let subscribed = false;
    client.on('connect', (connack) => {
      subscribed = false;
      this.up = true;
      this.log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected');
      client.subscribe(
        [this.topics.acks, this.topics.roster, this.topics.cmd],
        { qos: 1 },
        (err, granted) => {
          const refused = err
            ? err.message
            : !granted?.length || granted.some((g) => g.qos === 128)
              ? 'subscription refused by the broker'
              : undefined;
          if (refused) {
            // Without its acks the gateway cannot work: drop this session and try again, backing off.
            this.lastError = refused;
            client.stream?.destroy();
            return;
          }
          subscribed = true;
          if (this.failures > 0)
            this.log.info(
              { failedAttempts: this.failures, lastError: this.lastError },
              'mqtt link healthy again',
            );
          this.failures = 0;
          client.options.reconnectPeriod = this.baseDelay;
        },
      );
      this.emit('connect', connack.sessionPresent);
    });
    const down = (why: string) => {
      if (!this.up) return;
      this.up = false;
      if (this.failures === 0) this.log.warn({ why }, 'mqtt link down');
      this.emit('offline');
    };
    client.on('close', () => {
      down('close');
      const wasHealthy = subscribed;
      subscribed = false;
      if (wasHealthy || this.client !== client) return;
      // One warning per run of failures; the count goes with the recovery line.
      this.failures++;
      const delay = reconnectDelay(
        this.failures,
        this.baseDelay,
        this.opts.maxReconnectMs ?? 60_000,
        this.opts.random ?? Math.random,
      );
      client.options.reconnectPeriod = delay;
      if (this.failures === 1)
        this.log.warn(
          { error: this.lastError || 'connection closed', retryInMs: delay },
          'mqtt link failing; retrying with back-off',
        );
      else
        this.log.debug(
          { failures: this.failures, error: this.lastError, retryInMs: delay },
          'mqtt reconnect failed',
        );
    });
    client.on('offline', () => down('offline'));
    client.on('error', (err) => {
      this.lastError = err.message;
      this.log.debug({ err: err.message }, 'mqtt error');
    });
    client.on('message', (topic, payload) => {
      if (topic === this.topics.acks) this.emit('message', 'acks', payload);
      else if (topic === this.topics.roster) this.emit('message', 'roster', payload);
      else if (topic === this.topics.cmd) this.emit('message', 'cmd', payload);
    });
  }

  /**
   * Log in with a new password from now on (secret rotation): the session is closed and opened
   * again with it. Taps in flight are not lost: unacked ones stay on disk and are resent.
   */
  async changePassword(password: string): Promise<void> {
    this.opts.password = password;
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    await client.endAsync(false); // its 'close' says offline
    this.start();
  }

  /** Publish at QoS 1; resolves on PUBACK. */
  publish(kind: 'taps' | 'status', payload: string, retain = false): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('mqtt link not started'));
    return new Promise((resolve, reject) => {
      client.publish(this.topics[kind], payload, { qos: 1, retain }, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  /** Graceful stop: say offline (retained) if we can, then disconnect. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (this.up) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) =>
          client.publish(this.topics.status, OFFLINE_STATUS, { qos: 1, retain: true }, () => resolve()),
        ),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000))),
      ]);
      clearTimeout(timer);
    }
    this.up = false;
    await client.endAsync(true);
  }
}
