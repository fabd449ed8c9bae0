import mqtt from 'mqtt';
import { io as ioClient } from 'socket.io-client';
import { topicFor, type LiveGatewayStatus, type RosterMessage } from '@rfid/protocol';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { adminAuthHeader } from './support/api.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { Database } from '../src/db/database.service.js';
import { createTestDatabase } from './support/test-db.js';

describe('roster push and gateway status', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('publishes a retained roster to a new gateway and republishes it when a card changes', async () => {
    const school = await seedSchool(server.directory, 2);
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    const rosters: RosterMessage[] = [];
    const gw = await mqtt.connectAsync(server.mqttUrl, {
      username: creds.gatewayId,
      password: creds.mqttPassword,
      reconnectPeriod: 0,
    });
    try {
      gw.on('message', (_t, p) => rosters.push(JSON.parse(p.toString()) as RosterMessage));
      await gw.subscribeAsync(topicFor(school.schoolId, creds.gatewayId, 'roster'), { qos: 1 });
      const first = await pollUntil(() => rosters.find((r) => r.cards.length === 2), {
        what: 'first roster',
      });
      expect(first.cards.map((c) => c.card).sort()).toEqual(school.students.map((s) => s.card).sort());
      expect(first.cards[0]).toMatchObject({ class: '6A' });
      // A third student with a card: the roster follows, with a higher version.
      const s3 = await server.directory.createStudent({
        schoolId: school.schoolId,
        classId: school.classId,
        studentCode: `${school.schoolId}-x`,
        name: 'Y Liên',
      });
      await server.directory.enrolCard({ schoolId: school.schoolId, studentId: s3.id, card: '0004467393' });
      const next = await pollUntil(() => rosters.find((r) => r.cards.some((c) => c.name === 'Y Liên')), {
        what: 'updated roster',
      });
      expect(next.version).toBeGreaterThan(first.version);
      expect(next.cards.find((c) => c.name === 'Y Liên')?.card).toBe('em4100:32:00442AC1');
    } finally {
      await gw.endAsync(true);
    }
    // Retained: a gateway connecting later gets the newest roster at once.
    const late = await mqtt.connectAsync(server.mqttUrl, {
      username: creds.gatewayId,
      password: creds.mqttPassword,
      reconnectPeriod: 0,
    });
    try {
      const got: RosterMessage[] = [];
      late.on('message', (_t, p) => got.push(JSON.parse(p.toString()) as RosterMessage));
      await late.subscribeAsync(topicFor(school.schoolId, creds.gatewayId, 'roster'), { qos: 1 });
      const r = await pollUntil(() => got[0], { what: 'retained roster' });
      expect(r.cards).toHaveLength(3);
    } finally {
      await late.endAsync(true);
    }
  });

  it('stores gateway status, marks it offline by its will, and tells the school room', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'Cổng sau');
    const token = (await adminAuthHeader(server)).authorization.slice('Bearer '.length);
    const socket = ioClient(server.httpUrl, { transports: ['websocket'], auth: { token } });
    const events: LiveGatewayStatus[] = [];
    socket.on('gatewayStatus', (s: LiveGatewayStatus) => events.push(s));
    try {
      await socket.timeout(5000).emitWithAck('join', { schoolId: school.schoolId });
      const statusTopic = topicFor(school.schoolId, creds.gatewayId, 'status');
      const gw = await mqtt.connectAsync(server.mqttUrl, {
        username: creds.gatewayId,
        password: creds.mqttPassword,
        reconnectPeriod: 0,
        will: { topic: statusTopic, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
      });
      const commands: { type: string; serverTime?: string }[] = [];
      gw.on('message', (t, p) => {
        if (t.endsWith('/cmd')) commands.push(JSON.parse(p.toString()) as { type: string });
      });
      await gw.subscribeAsync(topicFor(school.schoolId, creds.gatewayId, 'cmd'), { qos: 1 });
      await gw.publishAsync(
        statusTopic,
        JSON.stringify({
          online: true,
          version: '1.0.0',
          queue: 3,
          terminals: [{ id: 't1', online: true, lastSeen: '2026-11-23T06:29:00+07:00' }],
          at: '2026-11-23T06:30:00+07:00',
        }),
        { qos: 1, retain: true },
      );
      await pollUntil(() => events.some((e) => e.online && e.queue === 3), { what: 'online status event' });
      // Coming online, the gateway is told the server's time.
      const time = await pollUntil(() => commands.find((c) => c.type === 'time'), { what: 'time command' });
      expect(time.serverTime).toBe('2026-11-23T06:30:00.000+07:00');
      const db = server.app.get(Database);
      const [row] = await db.query<{ online: boolean; version: string; queue: number }>(
        'SELECT online, version, queue FROM gateways WHERE id = $1',
        [creds.gatewayId],
      );
      expect(row).toEqual({ online: true, version: '1.0.0', queue: 3 });
      // Connection dropped without DISCONNECT → the broker publishes the will.
      gw.stream.destroy();
      await pollUntil(() => events.some((e) => !e.online), { what: 'offline status event' });
      const [after] = await db.query<{ online: boolean }>('SELECT online FROM gateways WHERE id = $1', [
        creds.gatewayId,
      ]);
      expect(after!.online).toBe(false);
      await gw.endAsync(true);
    } finally {
      socket.close();
    }
  });

  it('dead-letters a malformed status message', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'x');
    const gw = await TestGateway.connect(
      server.mqttUrl,
      school.schoolId,
      creds.gatewayId,
      creds.mqttPassword,
    );
    try {
      await gw.publishRaw('{"online":"yes"}', topicFor(school.schoolId, creds.gatewayId, 'status'));
      const db = server.app.get(Database);
      const [dl] = await pollUntil(
        async () => {
          const rows = await db.query<{ reason: string }>(
            `SELECT reason FROM dead_letters WHERE code = 'bad_status' AND gateway_id = $1`,
            [creds.gatewayId],
          );
          return rows.length === 1 ? rows : null;
        },
        { what: 'bad_status dead letter' },
      );
      expect(dl!.reason).toMatch(/^schema:/);
    } finally {
      await gw.close();
    }
  });
});

describe('roster after a restart of the embedded broker', () => {
  it('republishes every retained roster when the server starts again', async () => {
    const db = await createTestDatabase();
    const first = await startTestServer({}, { db });
    let creds: { gatewayId: string; mqttPassword: string };
    let schoolId: string;
    try {
      const school = await seedSchool(first.directory, 3);
      schoolId = school.schoolId;
      creds = await first.devices.register(school.schoolId, 'Cổng chính');
    } finally {
      await first.stop();
    }
    const second = await startTestServer({}, { db });
    try {
      const gw = await mqtt.connectAsync(second.mqttUrl, {
        username: creds.gatewayId,
        password: creds.mqttPassword,
        reconnectPeriod: 0,
      });
      try {
        const got: RosterMessage[] = [];
        gw.on('message', (_t, p) => got.push(JSON.parse(p.toString()) as RosterMessage));
        await gw.subscribeAsync(topicFor(schoolId, creds.gatewayId, 'roster'), { qos: 1 });
        const roster = await pollUntil(() => got[0], { what: 'roster after restart' });
        expect(roster.cards).toHaveLength(3);
      } finally {
        await gw.endAsync(true);
      }
    } finally {
      await second.stop();
      await db.drop();
    }
  });
});
