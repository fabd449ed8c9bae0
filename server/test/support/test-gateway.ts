/**
 * A minimal MQTT gateway for tests: logs in with its issued credentials, publishes taps, collects
 * acks, and can resend whatever is not acked yet (what the real gateway does every 10 s).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { newTapId, toRfc3339, topicFor, type Tap } from '@rfid/protocol';
import { pollUntil } from './poll.js';

export class TestGateway {
  readonly acked = new Set<string>();
  readonly ackMessages: string[][] = [];
  readonly sent = new Map<string, Tap>();
  private seq = 0;

  private constructor(
    readonly client: MqttClient,
    readonly schoolId: string,
    readonly gatewayId: string,
  ) {
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/acks')) return;
      const ids = (JSON.parse(payload.toString()) as { ids: string[] }).ids;
      this.ackMessages.push(ids);
      for (const id of ids) this.acked.add(id);
    });
  }

  static async connect(
    url: string,
    schoolId: string,
    gatewayId: string,
    password: string,
    opts: { protocolVersion?: 4 | 5; reconnectPeriod?: number; ca?: string; servername?: string } = {},
  ): Promise<TestGateway> {
    const tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca, rejectUnauthorized: true } : {}),
      ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
    };
    const client = await mqtt.connectAsync(url, {
      username: gatewayId,
      password,
      clientId: `${gatewayId}-${Math.random().toString(36).slice(2, 6)}`,
      reconnectPeriod: opts.reconnectPeriod ?? 0,
      protocolVersion: opts.protocolVersion ?? 4,
      connectTimeout: 5000,
      ...tls,
    });
    const gw = new TestGateway(client, schoolId, gatewayId);
    await client.subscribeAsync(topicFor(schoolId, gatewayId, 'acks'), { qos: 1 });
    return gw;
  }

  tap(card: string, at: Date | string, extra: Partial<Tap> = {}): Tap {
    const tap: Tap = {
      id: newTapId(),
      terminal: 't1',
      card,
      raw: card,
      at: typeof at === 'string' ? at : toRfc3339(at, 'Asia/Ho_Chi_Minh'),
      seq: this.seq++,
      ...extra,
    };
    this.sent.set(tap.id, tap);
    return tap;
  }

  async publish(taps: unknown[], topic = topicFor(this.schoolId, this.gatewayId, 'taps')): Promise<void> {
    await this.client.publishAsync(topic, JSON.stringify({ taps }), { qos: 1 });
  }

  async publishRaw(
    payload: string | Buffer,
    topic = topicFor(this.schoolId, this.gatewayId, 'taps'),
  ): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  unacked(): Tap[] {
    return [...this.sent.values()].filter((t) => !this.acked.has(t.id));
  }

  async waitAcked(ids: string[], timeoutMs = 10_000): Promise<void> {
    await pollUntil(() => ids.every((id) => this.acked.has(id)), {
      timeoutMs,
      what: `acks of ${ids.length} taps`,
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
