/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1) used when MQTT_URL is unset. Gateways log in with
 * their gatewayId and issued secret; each may publish and subscribe only under its own
 * `rfid/v1/{schoolId}/{gatewayId}/` (CONTRACT §3). The server's own client logs in with a
 * per-process internal credential and may use every topic.
 */
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { gatewayTopicPrefix } from '@rfid/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { DevicesService } from '../devices/devices.service.js';
import { MetricsService } from '../metrics/metrics.service.js';

interface ClientIdentity {
  internal: boolean;
  prefix: string | null;
  gatewayId: string | null;
}

const identities = new WeakMap<Client, ClientIdentity>();

function authError(message: string, returnCode: 4 | 5): Error & { returnCode: 4 | 5 } {
  return Object.assign(new Error(message), { returnCode });
}

/** A subscription filter stays under `prefix` when it has no wildcard before the prefix ends. */
export function filterWithinPrefix(filter: string, prefix: string): boolean {
  return filter.startsWith(prefix) && !filter.startsWith('$');
}

@Injectable()
export class EmbeddedBrokerService implements OnModuleInit, OnApplicationShutdown {
  readonly internalUsername = `$server`;
  readonly internalPassword = randomBytes(24).toString('base64url');
  private broker: Aedes | null = null;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private readonly log: Logger;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly devices: DevicesService,
    private readonly metrics: MetricsService,
  ) {
    this.log = logger.child({ component: 'mqtt-broker' });
  }

  get enabled(): boolean {
    return !this.config.mqttUrl;
  }

  /** Port the broker listens on (the real one when MQTT_PORT=0). */
  get port(): number | null {
    return this.boundPort;
  }

  get url(): string | null {
    return this.boundPort === null ? null : `mqtt://127.0.0.1:${this.boundPort}`;
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const broker = await Aedes.createBroker({
      id: `rfid-${this.config.serverId}`,
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          (ok) => (ok ? done(null, true) : done(authError('bad username or password', 4) as never, false)),
          (e: unknown) => {
            this.log.error({ err: e, clientId: client.id }, 'authentication failed with an error');
            done(authError('server unavailable', 5) as never, false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null); // the broker's own messages
        const id = identities.get(client);
        if (id?.internal) return done(null);
        if (id?.prefix && packet.topic.startsWith(id.prefix)) return done(null);
        this.metrics.brokerDenied.inc({ action: 'publish' });
        this.log.warn({ gatewayId: id?.gatewayId, topic: packet.topic }, 'publish outside the gateway prefix refused');
        done(new Error('topic not allowed'));
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = identities.get(client);
        if (id?.internal) return done(null, sub);
        if (id?.prefix && filterWithinPrefix(sub.topic, id.prefix)) return done(null, sub);
        this.metrics.brokerDenied.inc({ action: 'subscribe' });
        this.log.warn({ gatewayId: id?.gatewayId, topic: sub.topic }, 'subscription outside the gateway prefix refused');
        done(new Error('topic not allowed'));
      },
    });
    broker.on('clientError', (client, err) => this.log.debug({ clientId: client.id, err: err.message }, 'client error'));
    this.broker = broker;
    const server = net.createServer((socket) => broker.handle(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.mqttPort, this.config.mqttHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.log.info({ port: this.boundPort, host: this.config.mqttHost }, 'embedded MQTT broker listening');
  }

  /**
   * In-process subscription (no TCP hop, no second MQTT parse). The publisher's PUBACK waits for
   * `deliver` to settle, so a slow consumer slows the gateways instead of queueing in memory.
   */
  subscribe(topic: string, deliver: (packet: AedesPublishPacket) => Promise<void>): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('embedded broker not started'));
    return new Promise((resolve) =>
      broker.subscribe(
        topic,
        (packet, done) => {
          deliver(packet).then(
            () => done(),
            (e: unknown) => {
              this.log.error({ err: e, topic: packet.topic }, 'in-process delivery failed');
              done();
            },
          );
        },
        () => resolve(),
      ),
    );
  }

  /** In-process QoS 1 publish (retained when asked); resolves once the broker has routed it. */
  publish(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    const broker = this.broker;
    if (!broker) return Promise.reject(new Error('embedded broker not started'));
    return new Promise((resolve, reject) =>
      broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain, dup: false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  get running(): boolean {
    return this.broker !== null && !this.broker.closed;
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    if (!username || !password) return false;
    if (username === this.internalUsername) {
      const want = Buffer.from(this.internalPassword);
      const ok = password.length === want.length && timingSafeEqual(password, want);
      if (ok) identities.set(client, { internal: true, prefix: null, gatewayId: null });
      return ok;
    }
    const identity = await this.devices.authenticate(username, password);
    if (!identity) {
      this.metrics.brokerDenied.inc({ action: 'connect' });
      this.log.warn({ username, clientId: client.id }, 'gateway login refused');
      return false;
    }
    identities.set(client, { internal: false, prefix: gatewayTopicPrefix(identity.schoolId, identity.gatewayId), gatewayId: identity.gatewayId });
    return true;
  }

  /** Last: after the server's own client has disconnected. */
  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    const broker = this.broker;
    this.server = null;
    this.broker = null;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
