/**
 * The server's MQTT client: the one owner of MQTT I/O. On the embedded broker it subscribes and
 * publishes in-process (no loopback TCP, no second parse); with MQTT_URL it is an MQTT 5 client. Taps are subscribed as a shared subscription on an external
 * broker (`$share/{group}/rfid/v1/+/+/taps`) so several instances split the stream; status
 * messages go to every instance (each has its own Socket.IO clients).
 *
 * Back-pressure: a handler's promise is awaited before the next message is taken and before the
 * PUBACK, so a slow database slows the broker's deliveries instead of filling memory.
 */
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { allGatewaysTopic, sharedTopic, type TopicKind } from '@rfid/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { EmbeddedBrokerService } from './embedded-broker.service.js';

export type MqttHandler = (topic: string, payload: Buffer) => Promise<void>;

@Injectable()
export class MqttClientService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private client: MqttClient | null = null;
  private inProcess = false;
  private readonly handlers = new Map<TopicKind, MqttHandler>();
  private readonly log: Logger;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly broker: EmbeddedBrokerService,
  ) {
    this.log = logger.child({ component: 'mqtt-client' });
  }

  /**
   * Register the handler of one kind of gateway message (before the application starts).
   * A handler must not await `publish` (its PUBACK comes in behind the message being handled).
   */
  handle(kind: TopicKind, handler: MqttHandler): void {
    this.handlers.set(kind, handler);
  }

  get connected(): boolean {
    if (this.inProcess) return this.broker.running;
    return this.client?.connected ?? false;
  }

  /** The broker URL the gateways use. */
  get brokerUrl(): string {
    return this.config.mqttUrl ?? this.broker.url ?? '';
  }

  async onApplicationBootstrap(): Promise<void> {
    const external = Boolean(this.config.mqttUrl);
    if (!external) {
      this.inProcess = true;
      for (const [kind, handler] of this.handlers) {
        await this.broker.subscribe(allGatewaysTopic(kind), (packet) =>
          handler(
            packet.topic,
            Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
          ),
        );
      }
      this.log.info({ kinds: [...this.handlers.keys()] }, 'subscribed in-process to the embedded broker');
      return;
    }
    const url = this.config.mqttUrl!;
    const opts: IClientOptions = {
      clientId: `rfid-server-${this.config.serverId}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      username: this.config.mqttUsername,
      password: this.config.mqttPassword,
    };
    const client = mqtt.connect(url, opts);
    this.client = client;
    client.handleMessage = (packet, done) => {
      const kind = packet.topic.slice(packet.topic.lastIndexOf('/') + 1) as TopicKind;
      const handler = this.handlers.get(kind);
      if (!handler) return done();
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      handler(packet.topic, payload).then(
        () => done(),
        (e: unknown) => {
          // Handlers keep bad input aside themselves; this is a bug, logged, and the stream goes on.
          this.log.error({ err: e, topic: packet.topic }, 'message handler failed');
          done();
        },
      );
    };
    client.on('connect', () => {
      const subs: Record<string, { qos: 1 }> = {};
      for (const kind of this.handlers.keys()) {
        const topic = allGatewaysTopic(kind);
        subs[kind === 'taps' ? sharedTopic(this.config.mqttShareGroup, topic) : topic] = { qos: 1 };
      }
      if (Object.keys(subs).length === 0) return;
      client.subscribe(subs, (err) => {
        if (err) this.log.error({ err }, 'subscribe failed');
        else this.log.info({ topics: Object.keys(subs) }, 'subscribed');
      });
    });
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt client error'));
    client.on('offline', () => this.log.warn('mqtt client offline'));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MQTT broker ${url} not reachable`)), 15_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.log.info({ url }, 'mqtt client connected');
  }

  /** QoS 1 publish; resolves when the broker has it (or rejects when offline too long). */
  async publish(topic: string, payload: unknown, opts: { retain?: boolean } = {}): Promise<void> {
    if (this.inProcess)
      return this.broker.publish(topic, Buffer.from(JSON.stringify(payload)), opts.retain ?? false);
    const client = this.client;
    if (!client) throw new Error('MQTT client not started');
    await client.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain: opts.retain ?? false });
  }

  /** After ingest has drained (onModuleDestroy) so the last acks still go out. */
  async beforeApplicationShutdown(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync();
  }
}
