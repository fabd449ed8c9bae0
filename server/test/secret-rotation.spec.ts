/**
 * Gateway secret rotation (issue #16): `POST /devices/{id}/secret` issues a new secret (shown once,
 * audited, sent to the gateway on its `…/cmd`); old and new both log in during the grace period
 * and taps keep being stored once; after it the old one is refused by the embedded broker.
 */
import mqtt from 'mqtt';
import { ManualClock, topicFor } from '@rfid/protocol';
import { Database } from '../src/db/database.service.js';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { asAdmin } from './support/api.js';
import { pollUntil } from './support/poll.js';

describe('gateway secret rotation', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { clock });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('accepts old and new during the grace period, stores every tap once, then refuses the old', async () => {
    const school = await seedSchool(server.directory, 2);
    const admin = await asAdmin(server);
    const reg = await admin.post('/devices', { schoolId: school.schoolId, name: 'cổng chính' });
    expect(reg.status).toBe(201);
    const { gatewayId, mqttPassword: oldSecret } = reg.body as { gatewayId: string; mqttPassword: string };

    const before = await TestGateway.connect(server.mqttUrl, school.schoolId, gatewayId, oldSecret);
    const cmds: unknown[] = [];
    before.client.on('message', (topic, payload) => {
      if (topic.endsWith('/cmd')) cmds.push(JSON.parse(payload.toString()));
    });
    await before.client.subscribeAsync(topicFor(school.schoolId, gatewayId, 'cmd'), { qos: 1 });
    const t1 = before.tap(school.students[0]!.card, '2026-11-23T06:31:00+07:00');
    await before.publish([t1]);

    const rot = await admin.post(`/devices/${gatewayId}/secret`, { graceSeconds: 600 });
    expect(rot.status).toBe(201);
    const body = rot.body as {
      mqttPassword: string;
      previousSecretValidUntil: string;
      sentToGateway: boolean;
      mqttUsername: string;
    };
    expect(body.mqttUsername).toBe(gatewayId);
    expect(body.mqttPassword).not.toBe(oldSecret);
    expect(body.sentToGateway).toBe(true);
    expect(Date.parse(body.previousSecretValidUntil)).toBe(clock.now().getTime() + 600_000);
    await pollUntil(() => cmds.length === 1, { what: 'secret cmd at the gateway' });
    expect(cmds[0]).toMatchObject({ type: 'secret', password: body.mqttPassword });

    // The old session keeps publishing while the new one logs in: nothing is lost in the switch.
    const t2 = before.tap(school.students[1]!.card, '2026-11-23T06:32:00+07:00');
    await before.publish([t2]);
    const after = await TestGateway.connect(server.mqttUrl, school.schoolId, gatewayId, body.mqttPassword);
    await before.publish([t1, t2]); // a resend during the switch is stored once
    const t3 = after.tap(school.students[0]!.card, '2026-11-23T06:33:00+07:00');
    await after.publish([t3]);
    await before.waitAcked([t1.id, t2.id]);
    await after.waitAcked([t3.id]);
    const oldStill = await TestGateway.connect(server.mqttUrl, school.schoolId, gatewayId, oldSecret);
    await oldStill.close();
    await before.close();

    clock.advance(601_000);
    await expect(
      mqtt.connectAsync(server.mqttUrl, { username: gatewayId, password: oldSecret, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    expect(await server.devices.authenticate(gatewayId, body.mqttPassword)).not.toBeNull();
    await after.close();

    const db = server.app.get(Database);
    const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE id = ANY($1::uuid[])', [
      [t1.id, t2.id, t3.id],
    ]);
    expect(rows[0]!.n).toBe('3');
    const audit = await db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE action = 'device.rotate_secret' AND entity_id = $1`,
      [gatewayId],
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain(body.mqttPassword);
  });

  it('answers 404 for an unknown or revoked gateway and 400 for a bad grace period', async () => {
    const admin = await asAdmin(server);
    expect((await admin.post('/devices/gw-nope/secret', {})).status).toBe(404);
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'x');
    expect((await admin.post(`/devices/${creds.gatewayId}/secret`, { graceSeconds: -1 })).status).toBe(400);
    await server.devices.revoke(creds.gatewayId);
    expect((await admin.post(`/devices/${creds.gatewayId}/secret`, {})).status).toBe(404);
  });
});
