/**
 * Gateway accounts on an external Mosquitto 2 (MQTT_URL with MQTT_DYNSEC=true): the server keeps
 * the broker's dynamic-security plugin in step with its device registry, so a gateway logs in with
 * the secret POST /api/v1/devices issued and may use only `rfid/v1/{schoolId}/{gatewayId}/#`
 * (CONTRACT §3). The broker stores its own salted hash of the secret; the server never keeps it.
 * This file owns the control connection (`$CONTROL/dynamic-security/v1`).
 */
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { gatewayTopicPrefix, TOPIC_ROOT } from '@rfid/protocol';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import {
  DevicesService,
  type GatewayAccountHook,
  type GatewayCredentials,
} from '../devices/devices.service.js';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const SERVER_ROLE = 'rfid-server';
const TIMEOUT_MS = 10_000;

interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}
interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
  correlationData?: string;
}

export class DynsecError extends Error {
  override readonly name = 'DynsecError';
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`${command}: ${reason}`);
  }
}

/** The role of one gateway: its own topic subtree, nothing else. */
export function gatewayRole(schoolId: string, gatewayId: string): DynsecCommand {
  const topic = `${gatewayTopicPrefix(schoolId, gatewayId)}#`;
  return {
    command: 'createRole',
    rolename: `gateway-${gatewayId}`,
    acls: ['publishClientSend', 'publishClientReceive', 'subscribePattern', 'unsubscribePattern'].map(
      (acltype) => ({
        acltype,
        topic,
        priority: 0,
        allow: true,
      }),
    ),
  };
}

@Injectable()
export class MosquittoDynsecService
  implements GatewayAccountHook, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly log: Logger;
  private client: MqttClient | null = null;
  private readonly waiting = new Map<string, (r: DynsecResponse) => void>();

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly devices: DevicesService,
  ) {
    this.log = logger.child({ component: 'dynsec' });
  }

  get enabled(): boolean {
    return Boolean(this.config.mqttUrl && this.config.mqttDynsec);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    const client = mqtt.connect(this.config.mqttUrl!, {
      clientId: `rfid-server-dynsec-${this.config.serverId}`,
      username: this.config.mqttUsername,
      password: this.config.mqttPassword,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.on('message', (_topic, payload) => this.onResponse(payload));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'dynsec connection error'));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`dynsec: ${this.config.mqttUrl} not reachable`)),
        15_000,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    // The server's own client (the dynsec admin made by `mosquitto_ctrl dynsec init`) may only
    // administer by default; give it the rfid topics so it can publish acks, rosters and commands.
    await this.run(
      [
        {
          command: 'createRole',
          rolename: SERVER_ROLE,
          acls: ['publishClientSend', 'publishClientReceive', 'subscribePattern', 'unsubscribePattern'].map(
            (acltype) => ({ acltype, topic: `${TOPIC_ROOT}/#`, priority: 0, allow: true }),
          ),
        },
      ],
      ['Role already exists'],
    );
    if (this.config.mqttUsername) await this.grantServerRole(client, this.config.mqttUsername);
    this.devices.addAccountHook(this);
    this.log.info('mosquitto dynamic security in step with the device registry');
  }

  /**
   * Mosquitto disconnects a client whose roles change (so it reconnects under the new ACL), which
   * includes this connection: so no answer comes; wait for the reconnect instead.
   */
  private async grantServerRole(client: MqttClient, username: string): Promise<void> {
    const [info] = await this.run([{ command: 'getClient', username }]);
    const roles =
      (info?.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? [];
    if (roles.some((r) => r.rolename === SERVER_ROLE)) return;
    const reconnected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DynsecError('addClientRole', 'no reconnect after the role change')),
        TIMEOUT_MS,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.publish(
      CONTROL_TOPIC,
      JSON.stringify({
        commands: [{ command: 'addClientRole', username, rolename: SERVER_ROLE, priority: 10 }],
      }),
      { qos: 1 },
    );
    await reconnected;
    this.log.info({ username, role: SERVER_ROLE }, 'server client granted the rfid topics');
  }

  async created(c: GatewayCredentials): Promise<void> {
    await this.run([
      gatewayRole(c.schoolId, c.gatewayId),
      {
        command: 'createClient',
        username: c.mqttUsername,
        password: c.mqttPassword,
        roles: [{ rolename: `gateway-${c.gatewayId}`, priority: 0 }],
      },
    ]);
  }

  /**
   * A dynsec client holds one password: the new secret replaces the old at once (no grace period
   * on an external Mosquitto), and Mosquitto closes the client's sessions when it changes. So this
   * runs after the gateway was sent the new secret on its `…/cmd` (`DevicesService.rotateSecret`);
   * the gateway reconnects with it. A gateway offline at that moment needs the new secret in its
   * config file (docs/security-mqtt.md).
   */
  async rotated(c: GatewayCredentials): Promise<void> {
    await this.run([{ command: 'setClientPassword', username: c.mqttUsername, password: c.mqttPassword }]);
  }

  async revoked(gatewayId: string): Promise<void> {
    // deleteClient also ends the gateway's live session at once.
    await this.run(
      [
        { command: 'deleteClient', username: gatewayId },
        { command: 'deleteRole', rolename: `gateway-${gatewayId}` },
      ],
      ['Client not found', 'Role not found'],
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.client?.endAsync();
  }

  /** Send commands in one message; each answer is checked (errors in `tolerated` are fine). */
  private async run(commands: DynsecCommand[], tolerated: string[] = []): Promise<DynsecResponse[]> {
    const client = this.client;
    if (!client) throw new Error('dynsec connection not started');
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<DynsecResponse>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(c.correlationData);
            reject(new DynsecError(c.command, 'no answer from the broker'));
          }, TIMEOUT_MS);
          this.waiting.set(c.correlationData, (r) => {
            clearTimeout(timer);
            resolve(r);
          });
        }),
    );
    await client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    const responses = await Promise.all(answers);
    for (const r of responses) {
      if (r.error && !tolerated.includes(r.error)) throw new DynsecError(r.command, r.error);
    }
    return responses;
  }

  private onResponse(payload: Buffer): void {
    let body: { responses?: DynsecResponse[] };
    try {
      body = JSON.parse(payload.toString()) as { responses?: DynsecResponse[] };
    } catch {
      this.log.warn('unreadable dynsec response');
      return;
    }
    for (const r of body.responses ?? []) {
      const waiter = r.correlationData ? this.waiting.get(r.correlationData) : undefined;
      if (!waiter) continue;
      this.waiting.delete(r.correlationData!);
      waiter(r);
    }
  }
}
