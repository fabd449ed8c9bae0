/**
 * Scale-out: two server instances share MQTT ingest through a shared subscription on an external
 * broker (the machine's Mosquitto) and Socket.IO through the Redis adapter (the machine's Redis).
 * A dashboard client connected to instance A gets the live events of taps that instance B
 * ingested. Skipped, saying why, where either service is missing.
 */
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { LiveTap } from '@rfid/protocol';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { externalBrokerUrl, redisUrl } from './support/external-broker.js';
import { adminAuthHeader } from './support/api.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

const mqttUrl = await externalBrokerUrl();
const redis = await redisUrl();
if (!mqttUrl || !redis)
  console.warn(
    `scale-out test skipped: ${!mqttUrl ? 'no MQTT broker on 127.0.0.1:1883 (MQTT_EXTERNAL_URL)' : 'no Redis on 127.0.0.1:6379 (REDIS_URL)'}`,
  );
const describeScaleOut = mqttUrl && redis ? describe : describe.skip;

describeScaleOut('two replicas behind one broker and one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let gw: TestGateway;
  let dashboard: Socket;

  afterAll(async () => {
    dashboard?.disconnect();
    await gw?.close();
    await b?.stop();
    await a?.stop();
  });

  it('a dashboard on instance A sees every tap, including those instance B ingested', async () => {
    const group = `scale-${randomBytes(4).toString('hex')}`;
    a = await startTestServer({
      mqttUrl: mqttUrl!,
      redisUrl: redis!,
      mqttShareGroup: group,
      serverId: `a-${group}`,
    });
    b = await startTestServer(
      { mqttUrl: mqttUrl!, redisUrl: redis!, mqttShareGroup: group, serverId: `b-${group}` },
      { db: a.db },
    );
    const school = await seedSchool(a.directory, 40);
    const { gatewayId } = await a.devices.register(school.schoolId, 'Cổng chính');

    const { authorization } = await adminAuthHeader(a);
    dashboard = io(a.httpUrl, {
      transports: ['websocket'],
      auth: { token: authorization.replace(/^Bearer /, '') },
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) =>
      dashboard.once('connect', () => resolve()).once('connect_error', reject),
    );
    const joined = (await dashboard.timeout(5000).emitWithAck('join', { schoolId: school.schoolId })) as {
      ok: boolean;
    };
    expect(joined.ok).toBe(true);
    const seen = new Set<string>();
    dashboard.on('tap', (t: LiveTap) => seen.add(t.id));

    gw = await TestGateway.connect(mqttUrl!, school.schoolId, gatewayId, 'unused', { protocolVersion: 5 });
    const taps = school.students.map((s, i) =>
      gw.tap(s.card, new Date(Date.parse('2026-11-23T06:40:00+07:00') + i * 1000)),
    );
    for (const t of taps) await gw.publish([t]); // one message each, so the broker spreads them over both
    await pollUntil(() => taps.every((t) => gw.acked.has(t.id)), {
      what: 'all taps acked',
      timeoutMs: 20_000,
    });
    await pollUntil(() => seen.size === taps.length, {
      what: 'every live tap event on instance A',
      timeoutMs: 10_000,
    });

    const storedBy = async (s: TestServer) =>
      (await s.app.get(MetricsService).tapsStored.get()).values.reduce((n, v) => n + v.value, 0);
    const [byA, byB] = [await storedBy(a), await storedBy(b)];
    expect(byA + byB).toBe(taps.length);
    expect(byB).toBeGreaterThan(0); // instance B ingested some, and A's client still saw them all
    expect([...seen].sort()).toEqual(taps.map((t) => t.id).sort());
  });
});
