/**
 * Against a real external broker (Mosquitto here): the server subscribes with an MQTT 5 shared
 * subscription, two instances split one stream with no tap lost or doubled, and the server itself
 * rejects a gateway publishing under another school (an external broker does not enforce our ACL).
 */
import { randomBytes } from 'node:crypto';
import { topicFor } from '@rfid/protocol';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { externalBrokerUrl } from './support/external-broker.js';
import { Database } from '../src/db/database.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

const url = await externalBrokerUrl();
if (!url)
  console.warn('external-broker tests skipped: no MQTT broker at MQTT_EXTERNAL_URL or 127.0.0.1:1883');
const describeExternal = url ? describe : describe.skip;

describeExternal('two server instances on an external broker', () => {
  let a: TestServer;
  let b: TestServer;
  let gw: TestGateway;
  let schoolId: string;
  let gatewayId: string;
  let cards: string[];

  beforeAll(async () => {
    const group = `test-${randomBytes(4).toString('hex')}`;
    a = await startTestServer({ mqttUrl: url!, mqttShareGroup: group, serverId: `a-${group}` });
    b = await startTestServer({ mqttUrl: url!, mqttShareGroup: group, serverId: `b-${group}` }, { db: a.db });
    const school = await seedSchool(a.directory, 50);
    schoolId = school.schoolId;
    cards = school.students.map((s) => s.card);
    gatewayId = (await a.devices.register(schoolId, 'Cổng chính')).gatewayId;
    // Mosquitto here allows anonymous clients: the gateway's credentials are not checked by it.
    gw = await TestGateway.connect(url!, schoolId, gatewayId, 'unused', { protocolVersion: 5 });
  });
  afterAll(async () => {
    await gw?.close();
    await b?.stop();
    await a?.stop();
  });

  it('shares a stream of 2,000 taps: every tap stored exactly once, both instances took part', async () => {
    const taps = Array.from({ length: 2000 }, (_, i) =>
      gw.tap(cards[i % cards.length]!, new Date(Date.parse('2026-11-23T06:00:00+07:00') + i * 1000)),
    );
    for (let i = 0; i < taps.length; i += 20) await gw.publish(taps.slice(i, i + 20));
    // Resend what is not acked yet, as a gateway does (the broker may route a retry to the other instance).
    await pollUntil(
      async () => {
        const missing = gw.unacked();
        if (missing.length === 0) return true;
        for (let i = 0; i < missing.length; i += 50) await gw.publish(missing.slice(i, i + 50));
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'all 2,000 taps acked' },
    );
    const db = a.app.get(Database);
    const [row] = await db.query<{ n: string; d: string }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS d FROM taps WHERE gateway_id = $1',
      [gatewayId],
    );
    expect(Number(row!.n)).toBe(2000);
    expect(Number(row!.d)).toBe(2000);
    const storedBy = async (s: TestServer) =>
      (await s.app.get(MetricsService).tapsStored.get()).values[0]?.value ?? 0;
    const [na, nb] = [await storedBy(a), await storedBy(b)];
    expect(na + nb).toBe(2000);
    expect(na).toBeGreaterThan(0);
    expect(nb).toBeGreaterThan(0);
  });

  it('rejects a gateway publishing under another school (dead letter, no ack)', async () => {
    const other = await seedSchool(a.directory, 1);
    const tap = gw.tap(other.students[0]!.card, '2026-11-23T06:55:00+07:00');
    await gw.publish([tap], topicFor(other.schoolId, gatewayId, 'taps'));
    const db = a.app.get(Database);
    await pollUntil(
      async () =>
        (
          await db.query(`SELECT 1 FROM dead_letters WHERE code = 'school_mismatch' AND school_id = $1`, [
            other.schoolId,
          ])
        ).length === 1,
      { what: 'school_mismatch dead letter' },
    );
    expect((await db.query('SELECT 1 FROM taps WHERE id = $1', [tap.id])).length).toBe(0);
    expect(gw.acked.has(tap.id)).toBe(false);
  });
});
