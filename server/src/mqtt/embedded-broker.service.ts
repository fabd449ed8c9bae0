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
import tls from 'node:tls';
import { gatewayTopicPrefix, type Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { DevicesService } from '../devices/devices.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { loadBrokerTls, type BrokerTlsFiles } from './broker-tls.js';

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

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

@Injectable()
export class EmbeddedBrokerService implements OnModuleInit, OnApplicationShutdown {
  readonly internalUsername = `$server`;
  readonly internalPassword = randomBytes(24).toString('base64url');
  private broker: Aedes | null = null;
  private server: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private boundPort: number | null = null;
  private boundTlsPort: number | null = null;
  private tlsFiles: BrokerTlsFiles | null = null;
  private readonly log: Logger;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
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

  /** Port of MQTT over TLS (the real one when MQTTS_PORT=0); null when off. */
  get tlsPort(): number | null {
    return this.boundTlsPort;
  }

  /** `mqtts://localhost:PORT` (a name the generated certificate covers); null when TLS is off. */
  get tlsUrl(): string | null {
    return this.boundTlsPort === null ? null : `mqtts://localhost:${this.boundTlsPort}`;
  }

  /** The CA gateways trust (PEM text and path); null when TLS is off or no `TLS_CA` was given. */
  get tlsCa(): { pem: string; path: string } | null {
    const f = this.tlsFiles;
    return f?.ca && f.caPath ? { pem: f.ca, path: f.caPath } : null;
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
        this.log.warn(
          { gatewayId: id?.gatewayId, topic: packet.topic },
          'publish outside the gateway prefix refused',
        );
        done(new Error('topic not allowed'));
      },
      authorizeSubscribe: (client, sub, done) => {
        const id = identities.get(client);
        if (id?.internal) return done(null, sub);
        if (id?.prefix && filterWithinPrefix(sub.topic, id.prefix)) return done(null, sub);
        this.metrics.brokerDenied.inc({ action: 'subscribe' });
        this.log.warn(
          { gatewayId: id?.gatewayId, topic: sub.topic },
          'subscription outside the gateway prefix refused',
        );
        // MQTT 3.1.1 §3.9.3: a refused filter is granted 0x80 in the SUBACK and the connection stays
        // (what Mosquitto's ACLs answer too); an error here would drop the gateway's whole session.
        done(null, null);
      },
    });
    broker.on('clientError', (client, err) =>
      this.log.debug({ clientId: client.id, err: err.message }, 'client error'),
    );
    this.broker = broker;
    if (this.config.mqttPort !== null) {
      const server = net.createServer((socket) => broker.handle(socket));
      this.server = server;
      this.boundPort = await listen(server, this.config.mqttPort, this.config.mqttHost);
      this.log.info({ port: this.boundPort, host: this.config.mqttHost }, 'embedded MQTT broker listening');
    }
    if (this.config.mqttsPort !== null) {
      const files = await loadBrokerTls({
        certPath: this.config.tlsCert,
        keyPath: this.config.tlsKey,
        caPath: this.config.tlsCa,
        dataDir: this.config.dataDir,
        extraNames: this.config.tlsNames,
        now: this.clock.now(),
      });
      this.tlsFiles = files;
      const server = tls.createServer({ cert: files.cert, key: files.key, minVersion: 'TLSv1.2' }, (socket) =>
        broker.handle(socket),
      );
      // A client that fails the handshake (wrong CA, plain MQTT on the TLS port) is one line, not a crash.
      server.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'));
      this.tlsServer = server;
      this.boundTlsPort = await listen(server, this.config.mqttsPort, this.config.mqttHost);
      this.log.info(
        {
          port: this.boundTlsPort,
          host: this.config.mqttHost,
          ca: files.caPath,
          cert: files.certPath,
          key: files.keyPath,
          generated: files.generated,
        },
        files.generated
          ? `embedded MQTT broker listening on TLS with a generated certificate; gateways trust ${files.caPath}`
          : 'embedded MQTT broker listening on TLS',
      );
    }
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
      broker.publish({ cmd: 'publish', topic, payload, qos: 1, retain, dup: false }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }

  get running(): boolean {
    return this.broker !== null && !this.broker.closed;
  }

  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<boolean> {
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
    identities.set(client, {
      internal: false,
      prefix: gatewayTopicPrefix(identity.schoolId, identity.gatewayId),
      gatewayId: identity.gatewayId,
    });
    return true;
  }

  /** Last: after the server's own client has disconnected. */
  async onApplicationShutdown(): Promise<void> {
    const servers = [this.server, this.tlsServer];
    const broker = this.broker;
    this.server = null;
    this.tlsServer = null;
    this.broker = null;
    if (broker) await new Promise<void>((r) => broker.close(() => r()));
    for (const server of servers) if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
