/**
 * The in-app channel end to end: a tap through the embedded broker → outbox → the worker's loop
 * (woken by NOTIFY) → Socket.IO → a real `socket.io-client` signed in as the parent, in the
 * parent's own room. Shown once (`delivered`); a parent whose page is closed has it `sent` (it
 * waits in the page's list); another parent's page gets nothing.
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin, login } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';

interface Shown {
  id: string;
  event: string;
  guardianId: string;
  title: string;
  text: string;
  at: string;
}

describe('in-app notifications over Socket.IO', () => {
  const clock = new ManualClock('2026-11-23T06:45:00+07:00'); // a Monday
  let server: TestServer;
  let db: Database;
  let school: SeededSchool;
  let gw: TestGateway;
  let notifications: NotificationsService;
  const guardians: string[] = [];
  const sockets: Socket[] = [];

  const outbox = (studentId: string) =>
    db.query<{
      id: string;
      status: string;
      channel: string | null;
      delivered_at: Date | null;
      text: string | null;
    }>(
      'SELECT id, status, channel, delivered_at, text FROM notification_outbox WHERE student_id = $1 ORDER BY created_at',
      [studentId],
    );

  /** The parent's page: signed in as the parent, joined to their own room; records what it shows. */
  async function parentPage(username: string, password: string): Promise<{ socket: Socket; shown: Shown[] }> {
    const api = await login(server, username, password);
    const socket = ioClient(server.httpUrl, { transports: ['websocket'], auth: { token: api.token } });
    sockets.push(socket);
    const shown: Shown[] = [];
    socket.on('notification', (n: Shown) => shown.push(n));
    const ack = (await socket.timeout(5000).emitWithAck('join', { parent: true })) as { ok: boolean };
    expect(ack.ok).toBe(true);
    return { socket, shown };
  }

  beforeAll(async () => {
    server = await startTestServer({ notifyPollMs: 50, schedulerIntervalMs: 0 }, { clock });
    db = server.app.get(Database);
    notifications = server.app.get(NotificationsService);
    const admin = await asAdmin(server);
    school = await seedSchool(server.directory, 3);
    await db.query(`UPDATE students SET name = 'Y Liên' WHERE id = $1`, [school.students[0]!.id]);
    for (let i = 0; i < 3; i++) {
      const g = await server.directory.addGuardian(school.students[i]!.id, {
        name: `Phụ huynh ${i}`,
        phone: `09140000${10 + i}`,
        channels: ['in_app'],
      });
      guardians.push(g.id);
      const c = await admin.post(`/guardians/${g.id}/consents`, {
        channels: ['in_app'],
        granted: true,
        method: 'parent_app',
      });
      if (c.status !== 201) throw new Error(`consent: ${c.status} ${JSON.stringify(c.body)}`);
      const u = await admin.post('/users', {
        username: `phuhuynh${i}`,
        password: `Trường-xanh-sạch-đẹp-${i}-2026`,
        role: 'parent',
        guardianIds: [g.id],
      });
      if (u.status !== 201) throw new Error(`user: ${u.status} ${JSON.stringify(u.body)}`);
    }
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await gw?.close();
    await server?.stop();
  });

  it('a check-in reaches the parent’s open page once, and is recorded as delivered', async () => {
    const mine = await parentPage('phuhuynh0', 'Trường-xanh-sạch-đẹp-0-2026');
    const other = await parentPage('phuhuynh1', 'Trường-xanh-sạch-đẹp-1-2026');
    const s = school.students[0]!;
    const tap = gw.tap(s.card, '2026-11-23T06:44:30+07:00');
    await gw.publish([tap]);
    await pollUntil(() => mine.shown.length > 0, { what: 'in-app notification shown' });
    const [row] = await pollUntil(
      async () => {
        const rows = await outbox(s.id);
        return rows.length && rows[0]!.status !== 'pending' ? rows : null;
      },
      { what: 'outcome recorded' },
    );
    expect(row).toMatchObject({ status: 'delivered', channel: 'in_app' });
    expect(row!.delivered_at?.toISOString()).toBe(clock.now().toISOString());
    expect(mine.shown).toEqual([
      {
        id: row!.id,
        event: 'check_in',
        guardianId: guardians[0],
        title: 'Y Liên đã đến trường',
        text: row!.text,
        at: clock.now().toISOString(), // the server's injected clock
      },
    ]);
    expect(row!.text).toContain('Em Y Liên (lớp 6A) đã đến trường');
    // The gateway resends the tap, and the student taps again: nothing more on the page.
    const again = gw.tap(s.card, '2026-11-23T06:46:00+07:00');
    await gw.publish([tap, again]);
    await gw.waitAcked([tap.id, again.id]);
    await notifications.worker.drainAll();
    await new Promise((r) => setTimeout(r, 300)); // a second emit would have arrived by now
    expect(mine.shown).toHaveLength(1);
    expect(other.shown).toEqual([]); // another parent's page shows nothing of it
    expect(await outbox(s.id)).toHaveLength(1);
  });

  it('a parent whose page is closed: sent (waits in the list), shown to nobody', async () => {
    const pages = sockets.length;
    const s = school.students[2]!;
    await gw.publish([gw.tap(s.card, '2026-11-23T06:47:00+07:00')]);
    const [row] = await pollUntil(
      async () => {
        const rows = await outbox(s.id);
        return rows.length && rows[0]!.status !== 'pending' ? rows : null;
      },
      { what: 'outcome recorded' },
    );
    expect(row).toMatchObject({ status: 'sent', channel: 'in_app', delivered_at: null });
    expect(sockets).toHaveLength(pages);
    const parent = await login(server, 'phuhuynh2', 'Trường-xanh-sạch-đẹp-2-2026');
    const list = await parent.get(`/students/${s.id}/notifications`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject([{ id: row!.id, channel: 'in_app', status: 'sent' }]);
  });
});
