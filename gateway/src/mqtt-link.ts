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
  /** ms between reconnect attempts (mqtt.js retries for ever). */
  reconnectPeriodMs?: number;
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

  get connected(): boolean {
    return this.up;
  }

  start(): void {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.gatewayId,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 2_000,
      connectTimeout: 10_000,
      // Taps are never handed to mqtt.js while offline: the disk queue is the only backlog.
      queueQoSZero: false,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
      rejectUnauthorized: true,
      will: { topic: this.topics.status, payload: Buffer.from(OFFLINE_STATUS), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', (connack) => {
      this.up = true;
      this.log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected');
      client.subscribe([this.topics.acks, this.topics.roster, this.topics.cmd], { qos: 1 }, (err) => {
        if (err) this.log.error({ err }, 'mqtt subscribe failed');
      });
      this.emit('connect', connack.sessionPresent);
    });
    const down = (why: string) => {
      if (!this.up) return;
      this.up = false;
      this.log.warn({ why }, 'mqtt link down');
      this.emit('offline');
    };
    client.on('close', () => down('close'));
    client.on('offline', () => down('offline'));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
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
