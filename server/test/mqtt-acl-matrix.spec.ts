/**
 * The embedded broker's topic ACL as a matrix (issue #16, CONTRACT §3), on the plain and the TLS
 * port alike:
 * - no credentials, a wrong secret, a revoked gateway, a rotated-out secret after its grace period,
 *   another school's gateway id with this school's secret, and the server's internal name with a
 *   guess: the CONNECT is refused;
 * - a logged-in gateway of school A or school B, over every §3 topic of its own and of every other
 *   gateway (its own school's second gateway, the other school's two) plus `#`, `+/#`, `$SYS/#` and
 *   the school-wide and cross-school wildcards: a SUBSCRIBE outside its own prefix is granted 0x80
 *   and no message published there reaches it; a PUBLISH outside its own prefix is dropped and the
 *   broker closes the connection (MQTT 3.1.1 has no negative PUBACK), while inside its prefix both
 *   work.
 * A barrier message on an allowed topic, published after the forbidden ones, replaces any sleep:
 * the broker delivers one publisher's messages in order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ManualClock, topicFor } from '@rfid/protocol';
import { EmbeddedBrokerService } from '../src/mqtt/embedded-broker.service.js';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { pollUntil } from './support/poll.js';

const KINDS = ['taps', 'acks', 'status', 'roster', 'cmd'] as const;

interface Gw {
  schoolId: string;
  gatewayId: string;
  secret: string;
}

describe('MQTT topic ACL matrix on the embedded broker (plain and TLS)', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let dataDir: string;
  let server: TestServer;
  let ca: string;
  let broker: EmbeddedBrokerService;
  /** a1, a2 in school A; b1, b2 in school B. */
  const gw: Record<'a1' | 'a2' | 'b1' | 'b2', Gw> = {} as never;
  let revoked: Gw;
  let rotatedOld: Gw;
  /** Every message the server's own (all-topics) client sees, as `topic payload`. */
  const seen: string[] = [];
  let watcher: MqttClient;

  const transports = (): { name: string; url: string; opts: IClientOptions }[] => [
    { name: 'plain', url: server.mqttUrl, opts: {} },
    { name: 'TLS', url: server.mqttsUrl!, opts: { ca, rejectUnauthorized: true } },
  ];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-acl-'));
    server = await startTestServer({ mqttsPort: 0, dataDir, tlsNames: ['localhost'] }, { clock });
    ca = readFileSync(server.tlsCaPath!, 'utf8');
    broker = server.app.get(EmbeddedBrokerService);
    const a = await seedSchool(server.directory, 1);
    const b = await seedSchool(server.directory, 1);
    for (const [key, school] of [
      ['a1', a],
      ['a2', a],
      ['b1', b],
      ['b2', b],
    ] as const) {
      const c = await server.devices.register(school.schoolId, `cổng ${key}`);
      gw[key] = { schoolId: school.schoolId, gatewayId: c.gatewayId, secret: c.mqttPassword };
    }
    const r = await server.devices.register(a.schoolId, 'cổng bị thu hồi');
    revoked = { schoolId: a.schoolId, gatewayId: r.gatewayId, secret: r.mqttPassword };
    await server.devices.revoke(r.gatewayId);
    const o = await server.devices.register(a.schoolId, 'cổng đổi khoá');
    await server.devices.rotateSecret(o.gatewayId, 60);
    rotatedOld = { schoolId: a.schoolId, gatewayId: o.gatewayId, secret: o.mqttPassword };
    clock.advance(61_000);

    watcher = await mqtt.connectAsync(server.mqttUrl, {
      username: broker.internalUsername,
      password: broker.internalPassword,
      reconnectPeriod: 0,
    });
    watcher.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync(['rfid/#', '$SYS/#'], { qos: 1 });
  });
  afterAll(async () => {
    await watcher?.endAsync(true);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** What a CONNECT ends with: `connected` or the CONNACK's refusal. */
  async function connectOutcome(url: string, opts: IClientOptions): Promise<string> {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'));
      client.once('error', (e) => resolve(e.message));
      client.once('close', () => resolve('closed'));
    });
    await client.endAsync(true);
    return outcome;
  }

  /** The QoS the SUBACK grants (mqtt.js rejects a 0x80 grant, carrying the SUBACK on the error). */
  async function grantedQos(client: MqttClient, filter: string): Promise<number> {
    try {
      return (await client.subscribeAsync(filter, { qos: 1 }))[0]!.qos;
    } catch (e) {
      const granted = (e as { packet?: { granted?: number[] } }).packet?.granted;
      if (!granted) throw e;
      return granted[0]!;
    }
  }

  function login(url: string, opts: IClientOptions, who: Gw): Promise<MqttClient> {
    return mqtt.connectAsync(url, {
      ...opts,
      username: who.gatewayId,
      password: who.secret,
      clientId: `${who.gatewayId}-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
  }

  /** The forbidden topics for `actor`: every §3 topic of the other gateways, and wildcards. */
  function foreignTopics(actor: Gw): string[] {
    const out: string[] = [];
    for (const other of Object.values(gw))
      if (other.gatewayId !== actor.gatewayId)
        for (const kind of KINDS) out.push(topicFor(other.schoolId, other.gatewayId, kind));
    return out;
  }
  function foreignFilters(actor: Gw): string[] {
    const others = Object.values(gw).filter((g) => g.schoolId !== actor.schoolId);
    return [
      '#',
      '+/#',
      '$SYS/#',
      '$SYS/+',
      'rfid/#',
      'rfid/v1/#',
      'rfid/v1/+/+/roster',
      'rfid/v1/+/+/cmd',
      `rfid/v1/${actor.schoolId}/#`,
      `rfid/v1/${actor.schoolId}/+/taps`,
      `rfid/v1/${others[0]!.schoolId}/#`,
      `rfid/v1/${actor.schoolId}/${actor.gatewayId}`, // the prefix without its slash
      ...foreignTopics(actor),
    ];
  }

  describe.each(['plain', 'TLS'])('on the %s port', (name) => {
    const t = () => transports().find((x) => x.name === name)!;

    it('refuses a CONNECT without valid credentials', async () => {
      const { url, opts } = t();
      const refused = /Not authorized|Bad username or password/i;
      const cases: [string, IClientOptions][] = [
        ['no credentials', {}],
        ['a username without a password', { username: gw.a1.gatewayId }],
        ['a wrong secret', { username: gw.a1.gatewayId, password: `${gw.a1.secret}x` }],
        ['an empty secret', { username: gw.a1.gatewayId, password: '' }],
        ['a revoked gateway', { username: revoked.gatewayId, password: revoked.secret }],
        [
          'a secret rotated out after its grace',
          { username: rotatedOld.gatewayId, password: rotatedOld.secret },
        ],
        ["school B's gateway with school A's secret", { username: gw.b1.gatewayId, password: gw.a1.secret }],
        ['an unknown gateway', { username: 'gw-nobody', password: gw.a1.secret }],
        [
          "the server's internal name with a guess",
          { username: broker.internalUsername, password: gw.a1.secret },
        ],
      ];
      const outcomes: Record<string, string> = {};
      for (const [label, creds] of cases) outcomes[label] = await connectOutcome(url, { ...opts, ...creds });
      for (const [label] of cases)
        expect([label, outcomes[label]]).toEqual([label, expect.stringMatching(refused)]);
      // and the right secret on the same port connects
      expect(await connectOutcome(url, { ...opts, username: gw.a1.gatewayId, password: gw.a1.secret })).toBe(
        'connected',
      );
    });

    it.each(['a1', 'b1'] as const)(
      'gives gateway %s a SUBACK 0x80 for every filter outside its prefix, and delivers nothing from there',
      async (key) => {
        const actor = gw[key];
        const { url, opts } = t();
        const client = await login(url, opts, actor);
        const got: string[] = [];
        client.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
        try {
          const filters = foreignFilters(actor);
          const granted: Record<string, number> = {};
          for (const f of filters) {
            granted[f] = await grantedQos(client, f);
          }
          expect(granted).toEqual(Object.fromEntries(filters.map((f) => [f, 128])));
          // its own topics are granted
          for (const kind of KINDS) {
            const g = await client.subscribeAsync(topicFor(actor.schoolId, actor.gatewayId, kind), {
              qos: 1,
            });
            expect([kind, g[0]!.qos]).toEqual([kind, 1]);
          }
          // the connection survived the refusals
          expect(client.connected).toBe(true);

          const marker = `acl-${name}-${key}-${Math.random().toString(36).slice(2)}`;
          for (const topic of foreignTopics(actor))
            await broker.publish(topic, Buffer.from(JSON.stringify({ marker })), false);
          await broker.publish('$SYS/acl-test', Buffer.from(JSON.stringify({ marker })), false);
          const barrier = topicFor(actor.schoolId, actor.gatewayId, 'cmd');
          await broker.publish(barrier, Buffer.from(JSON.stringify({ marker, barrier: true })), false);
          await pollUntil(() => got.some((m) => m.startsWith(`${barrier} `) && m.includes(marker)), {
            what: 'the barrier on its own cmd topic',
          });
          expect(got.filter((m) => m.includes(marker))).toEqual([
            `${barrier} ${JSON.stringify({ marker, barrier: true })}`,
          ]);
        } finally {
          await client.endAsync(true);
        }
      },
    );

    it.each(['a1', 'b1'] as const)(
      'drops a PUBLISH of gateway %s outside its prefix and closes the connection; inside it arrives',
      async (key) => {
        const actor = gw[key];
        const { url, opts } = t();
        const marker = `pub-${name}-${key}-${Math.random().toString(36).slice(2)}`;
        const forbidden = [
          ...foreignTopics(actor),
          '$SYS/broker/clients',
          `rfid/v1/${actor.schoolId}/taps`,
          `rfid/v1/${actor.schoolId}/${actor.gatewayId}`,
        ];
        const outcomes: Record<string, string> = {};
        for (const topic of forbidden) {
          const client = await login(url, opts, actor);
          const closed = new Promise<string>((r) => client.once('close', () => r('closed')));
          const acked = client.publishAsync(topic, JSON.stringify({ marker }), { qos: 1 }).then(
            () => 'acked',
            () => 'failed',
          );
          outcomes[topic] = await Promise.race([closed, acked]);
          await client.endAsync(true);
        }
        expect(outcomes).toEqual(Object.fromEntries(forbidden.map((topic) => [topic, 'closed'])));

        // Its own topics take the same kind of message (the server ignores what is not valid).
        const client = await login(url, opts, actor);
        try {
          for (const kind of ['status', 'cmd', 'acks', 'roster'] as const)
            await client.publishAsync(
              topicFor(actor.schoolId, actor.gatewayId, kind),
              JSON.stringify({ marker }),
              {
                qos: 1,
              },
            );
          const barrier = topicFor(actor.schoolId, actor.gatewayId, 'status');
          await client.publishAsync(barrier, JSON.stringify({ marker, barrier: true }), { qos: 1 });
          await pollUntil(() => seen.some((m) => m.includes(marker) && m.includes('barrier')), {
            what: 'the barrier at the server',
          });
          const arrived = seen.filter((m) => m.includes(marker)).map((m) => m.split(' ')[0]);
          expect(arrived.sort()).toEqual(
            [
              ...['status', 'cmd', 'acks', 'roster', 'status'].map((k) =>
                topicFor(actor.schoolId, actor.gatewayId, k as never),
              ),
            ].sort(),
          );
        } finally {
          await client.endAsync(true);
        }
      },
    );
  });
});
