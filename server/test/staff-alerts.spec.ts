/**
 * Staff alerts end to end: gateway status messages through the embedded broker → outage history →
 * an evaluation at an injected instant → outbox → worker → each school's webhook. The school's app
 * is the provider-sim `CallbackRecorder` (a real HTTP server keeping every request); each school
 * registers its own path, so what each school's staff received is counted per school.
 */
import { createHmac } from 'node:crypto';
import { ManualClock, topicFor, toRfc3339 } from '@rfid/protocol';
import { CallbackRecorder } from '@rfid/provider-sim';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin, type ApiClient } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { StaffAlertsService } from '../src/notifications/staff-alerts.js';

const SECRET = 'staff-webhook-secret-4b1e9c';
const ZONE = 'Asia/Ho_Chi_Minh';

interface Hook {
  event: string;
  id: string;
  audience: string;
  text: string;
  params: Record<string, string>;
  signatureOk: boolean;
}

describe('staff alerts', () => {
  const clock = new ManualClock('2026-11-23T06:00:00+07:00'); // a Monday
  let server: TestServer;
  let db: Database;
  let admin: ApiClient;
  let hook: CallbackRecorder;
  let alerts: StaffAlertsService;
  let notifications: NotificationsService;
  const gateways: TestGateway[] = [];

  const at = (hhmm: string, date = '2026-11-23') => `${date}T${hhmm}:00+07:00`;

  /** What the school's staff received (each notification id once: the webhook's own dedupe). */
  const received = (schoolId: string): Hook[] => {
    const seen = new Map<string, Hook>();
    for (const r of hook.received.filter((x) => x.path === `/school/${schoolId}`)) {
      const body = JSON.parse(r.rawBody.toString('utf8')) as Record<string, unknown>;
      const id = r.headers['x-notification-id']!;
      if (seen.has(id)) continue;
      seen.set(id, {
        id,
        event: String(body.event),
        audience: String(body.audience),
        text: String(body.text),
        params: body.params as Record<string, string>,
        signatureOk:
          r.headers['x-signature'] ===
          `sha256=${createHmac('sha256', SECRET).update(r.rawBody).digest('hex')}`,
      });
    }
    return [...seen.values()];
  };
  /** Every webhook request of the school, repeats included (nothing may be sent twice). */
  const requests = (schoolId: string) => hook.received.filter((x) => x.path === `/school/${schoolId}`).length;

  /** Evaluate at `hhmm` and drain the outbox. */
  const evaluateAt = async (when: string) => {
    clock.set(when);
    const run = await alerts.evaluate(clock.now());
    await notifications.worker.drainAll();
    return run;
  };

  async function school(districtId?: string) {
    let schoolId: string;
    if (districtId) {
      const code = `S${Math.random().toString(36).slice(2, 8)}`;
      schoolId = (await server.directory.createSchool({ districtId, code, name: `Trường ${code}` })).id;
    } else {
      const s = await seedSchool(server.directory, 1);
      schoolId = s.schoolId;
    }
    admin = await asAdmin(server); // tokens expire by the injected clock, which the tests move
    const reg = await admin.put(`/schools/${schoolId}/webhook`, {
      url: hook.url(`/school/${schoolId}`),
      secret: SECRET,
    });
    if (reg.status !== 200) throw new Error(`webhook: ${reg.status} ${JSON.stringify(reg.body)}`);
    return schoolId;
  }

  async function gateway(schoolId: string, name: string) {
    const creds = await server.devices.register(schoolId, name);
    const gw = await TestGateway.connect(server.mqttUrl, schoolId, creds.gatewayId, creds.mqttPassword);
    gateways.push(gw);
    return gw;
  }

  /** The gateway reports at `when` (the server stamps it with its clock); waits until stored. */
  async function report(
    gw: TestGateway,
    when: string,
    s: { online: false } | { terminals: Record<string, boolean> },
  ) {
    clock.set(when);
    const payload =
      'online' in s
        ? { online: false }
        : {
            online: true,
            version: '1.0.0',
            queue: 0,
            terminals: Object.entries(s.terminals).map(([id, online]) => ({
              id,
              online,
              lastSeen: online ? toRfc3339(clock.now(), ZONE) : null,
            })),
            at: toRfc3339(clock.now(), ZONE),
          };
    await gw.client.publishAsync(topicFor(gw.schoolId, gw.gatewayId, 'status'), JSON.stringify(payload), {
      qos: 1,
    });
    await pollUntil(
      async () =>
        (
          await db.query<{ ok: boolean }>('SELECT last_seen_at = $2 AS ok FROM gateways WHERE id = $1', [
            gw.gatewayId,
            clock.now().toISOString(),
          ])
        )[0]?.ok === true,
      { what: `status of ${gw.gatewayId} stored` },
    );
  }

  beforeAll(async () => {
    hook = await new CallbackRecorder().start();
    // No background loop and no scheduler: each step evaluates and drains at the instant it sets.
    server = await startTestServer({ notifyWorker: false, schedulerIntervalMs: 0 }, { clock });
    db = server.app.get(Database);
    alerts = server.app.get(StaffAlertsService);
    notifications = server.app.get(NotificationsService);
    admin = await asAdmin(server);
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await server?.stop();
    await hook?.stop();
  });

  it('one alert per outage after the grace period, one when it ends, signed, to the staff only', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng chính');
    await report(gw, at('06:00'), { terminals: { t1: true, t2: true } });
    await report(gw, at('06:10'), { online: false });
    expect((await evaluateAt(at('06:12'))).opened).toBe(0); // 2 min: a reboot is not news
    expect(received(s)).toHaveLength(0);
    // Two replicas evaluating at the same instant: one alert (they take turns under one lock).
    clock.set(at('06:13'));
    const both = await Promise.all([alerts.evaluate(clock.now()), alerts.evaluate(clock.now())]);
    expect(both[0].opened + both[1].opened).toBe(1);
    await notifications.worker.drainAll();
    await evaluateAt(at('06:14'));
    await evaluateAt(at('06:25'));
    const down = received(s);
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ event: 'devices_offline', audience: 'staff', signatureOk: true });
    expect(down[0]!.text).toContain('bộ thu Cổng chính mất kết nối từ 06:10 ngày 23/11/2026');
    expect(down[0]!.text).not.toContain('đầu đọc'); // its terminals are covered by the gateway
    // The outbox row is the staff alert's, not a student's.
    const [row] = await db.query<{ student_id: string | null; guardian_id: string | null; status: string }>(
      'SELECT student_id, guardian_id, status FROM notification_outbox WHERE id = $1',
      [down[0]!.id],
    );
    expect(row).toEqual({ student_id: null, guardian_id: null, status: 'sent' });

    await report(gw, at('06:30'), { terminals: { t1: true, t2: true } });
    expect((await evaluateAt(at('06:31'))).resolved).toBe(1);
    await evaluateAt(at('06:32'));
    const all = received(s);
    expect(all.map((m) => m.event)).toEqual(['devices_offline', 'devices_online']);
    expect(all[1]!.text).toContain('bộ thu Cổng chính đã kết nối lại lúc 06:31');
    expect(requests(s)).toBe(2);
  });

  it('a gateway that comes back within the grace period is not news', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng phụ');
    await report(gw, at('06:40'), { terminals: { t1: true } });
    await report(gw, at('06:41'), { online: false });
    await evaluateAt(at('06:42'));
    await report(gw, at('06:43'), { terminals: { t1: true } });
    await evaluateAt(at('06:44'));
    await evaluateAt(at('06:50'));
    expect(received(s)).toHaveLength(0);
  });

  it('never one per terminal behind a gateway that is down; a terminal still down after it is, in the next digest', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng A');
    await report(gw, at('06:00'), { terminals: { t1: false, t2: true, t3: true } });
    await report(gw, at('06:01'), { online: false }); // t1 was already down: the gateway covers it
    await evaluateAt(at('06:05'));
    const first = received(s);
    expect(first).toHaveLength(1);
    expect(first[0]!.params.devices).toBe('bộ thu Cổng A');

    // The gateway is back; t1 still is not. Its outage (since 06:00) is news, but the school had an
    // alert at 06:05: it waits for the next digest (06:20), and then comes alone.
    await report(gw, at('06:10'), { terminals: { t1: false, t2: true, t3: true } });
    const r = await evaluateAt(at('06:11'));
    expect(r).toMatchObject({ resolved: 1, opened: 0 });
    await evaluateAt(at('06:19'));
    expect(received(s).map((m) => m.event)).toEqual(['devices_offline', 'devices_online']);
    await evaluateAt(at('06:20'));
    const all = received(s);
    expect(all.map((m) => m.event)).toEqual(['devices_offline', 'devices_online', 'devices_offline']);
    expect(all[2]!.params.devices).toBe('đầu đọc t1 (bộ thu Cổng A)');
    expect(all[2]!.text).toContain('từ 06:00');
    // t1 is repaired: its alert ends (else it would be reminded of on the next school day).
    await report(gw, at('06:40'), { terminals: { t1: true, t2: true, t3: true } });
    await evaluateAt(at('06:41'));
    expect(received(s).map((m) => m.event)).toEqual([
      'devices_offline',
      'devices_online',
      'devices_offline',
      'devices_online',
    ]);
  });

  it('nothing outside the morning window; an outage open since the night is announced when it opens', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng B');
    // 09:30–10:30: after the late limit (09:00).
    await report(gw, at('09:20'), { terminals: { t1: true } });
    await report(gw, at('09:30'), { online: false });
    await evaluateAt(at('09:40'));
    await evaluateAt(at('10:00'));
    await report(gw, at('10:30'), { terminals: { t1: true } });
    await evaluateAt(at('10:31'));
    // Sunday morning: not a school day.
    await report(gw, at('06:30', '2026-11-29'), { online: false });
    await evaluateAt(at('06:40', '2026-11-29'));
    await report(gw, at('06:50', '2026-11-29'), { terminals: { t1: true } });
    await evaluateAt(at('06:51', '2026-11-29'));
    expect(received(s)).toHaveLength(0);
    // Monday: down since 04:00; the window opens at 05:30 (90 min before the 07:00 on-time limit).
    await report(gw, at('04:00', '2026-11-30'), { online: false });
    await evaluateAt(at('04:30', '2026-11-30'));
    await evaluateAt(at('05:29', '2026-11-30'));
    expect(received(s)).toHaveLength(0);
    await evaluateAt(at('05:30', '2026-11-30'));
    const got = received(s);
    expect(got).toHaveLength(1);
    expect(got[0]!.text).toContain('mất kết nối từ 04:00 ngày 30/11/2026');
    await report(gw, at('05:45', '2026-11-30'), { terminals: { t1: true } });
    await evaluateAt(at('05:46', '2026-11-30'));
    expect(received(s).map((m) => m.event)).toEqual(['devices_offline', 'devices_online']);
  });

  it("a district's link drop: one grouped message per school, not one per gateway; a flap adds nothing", async () => {
    const district = await server.directory.createDistrict({
      code: 'D-Krông',
      name: 'Phòng GD&ĐT Krông Búk',
    });
    const schools: string[] = [];
    const gws: TestGateway[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await school(district.id);
      schools.push(s);
      for (const name of ['Cổng 1', 'Cổng 2']) {
        const gw = await gateway(s, name);
        await report(gw, at('07:20', '2026-12-01'), { terminals: { t1: true, t2: true } });
        gws.push(gw);
      }
    }
    // All eight gateways drop within a minute.
    for (const [i, gw] of gws.entries())
      await report(gw, at(i < 4 ? '07:30' : '07:31', '2026-12-01'), { online: false });
    const run = await evaluateAt(at('07:34', '2026-12-01'));
    expect(run.opened).toBe(4);
    await evaluateAt(at('07:35', '2026-12-01'));
    for (const s of schools) {
      const got = received(s);
      expect(got).toHaveLength(1);
      expect(got[0]!.params.devices).toBe('bộ thu Cổng 1, bộ thu Cổng 2');
      expect(got[0]!.text).toContain('Mất kết nối diện rộng: 4 trường của Phòng GD&ĐT Krông Búk');
    }
    // The link comes back, drops again for two minutes, comes back: one recovery per school, no
    // new alert (shorter than the grace period, and inside the school's digest window anyway).
    for (const gw of gws) await report(gw, at('07:40', '2026-12-01'), { terminals: { t1: true, t2: true } });
    await evaluateAt(at('07:41', '2026-12-01'));
    for (const gw of gws) await report(gw, at('07:42', '2026-12-01'), { online: false });
    await evaluateAt(at('07:43', '2026-12-01'));
    for (const gw of gws) await report(gw, at('07:44', '2026-12-01'), { terminals: { t1: true, t2: true } });
    await evaluateAt(at('07:46', '2026-12-01'));
    await evaluateAt(at('08:00', '2026-12-01'));
    for (const s of schools) {
      expect(received(s).map((m) => m.event)).toEqual(['devices_offline', 'devices_online']);
      expect(requests(s)).toBe(2);
    }
  });

  it('a flapping gateway: at most one offline alert per school per digest window', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng C');
    await report(gw, at('06:00', '2026-12-02'), { terminals: { t1: true } });
    // Down 4 minutes, up 1, down 4, up 1 … from 06:00 to 06:30.
    for (let m = 0; m < 30; m += 5) {
      const hh = (x: number) => `06:${String(x).padStart(2, '0')}`;
      await report(gw, at(hh(m + 1), '2026-12-02'), { online: false });
      await evaluateAt(at(hh(m + 5), '2026-12-02')); // 4 min down: past the grace period
      await report(gw, at(hh(m + 5), '2026-12-02'), { terminals: { t1: true } });
      await evaluateAt(at(hh(m + 5), '2026-12-02'));
    }
    const events = received(s).map((m) => m.event);
    // Six outages in 30 minutes: alerts at 06:05 and 06:20 (the 15-minute digest), each resolved.
    expect(events).toEqual(['devices_offline', 'devices_online', 'devices_offline', 'devices_online']);
  });

  it('an outage still open the next school day: one reminder in its window, one recovery in all', async () => {
    const s = await school();
    const gw = await gateway(s, 'Cổng D');
    await report(gw, at('06:00', '2026-12-04'), { terminals: { t1: true } }); // Friday
    await report(gw, at('07:00', '2026-12-04'), { online: false });
    await evaluateAt(at('07:05', '2026-12-04'));
    await evaluateAt(at('12:00', '2026-12-04'));
    await evaluateAt(at('06:00', '2026-12-05')); // Saturday: a school day by default (Mon–Sat)
    const sat = received(s);
    expect(sat.map((m) => m.event)).toEqual(['devices_offline', 'devices_offline']);
    expect(sat[1]!.text).toContain('Nhắc lại: Trường');
    expect(sat[1]!.text).toContain('bộ thu Cổng D mất kết nối từ 07:00 ngày 04/12/2026;');
    await evaluateAt(at('06:30', '2026-12-06')); // Sunday: no reminder
    await evaluateAt(at('05:20', '2026-12-07')); // Monday before the window
    expect(received(s)).toHaveLength(2);
    await evaluateAt(at('05:30', '2026-12-07')); // Monday: one more
    expect(received(s)).toHaveLength(3);
    await evaluateAt(at('06:30', '2026-12-07'));
    await report(gw, at('07:10', '2026-12-07'), { terminals: { t1: true } });
    await evaluateAt(at('07:11', '2026-12-07'));
    await evaluateAt(at('07:12', '2026-12-07'));
    // The earlier alerts ended silently (superseded): one "back online", from the last one.
    expect(received(s).map((m) => m.event)).toEqual([
      'devices_offline',
      'devices_offline',
      'devices_offline',
      'devices_online',
    ]);
    expect(requests(s)).toBe(4);
  });

  it('a lost card used at the gate: one alert per card and day', async () => {
    const seeded = await seedSchool(server.directory, 2);
    await db.query(`UPDATE students SET name = 'Y Liên' WHERE id = $1`, [seeded.students[0]!.id]);
    const s = seeded.schoolId;
    admin = await asAdmin(server);
    const reg = await admin.put(`/schools/${s}/webhook`, { url: hook.url(`/school/${s}`), secret: SECRET });
    expect(reg.status).toBe(200);
    const gw = await gateway(s, 'Cổng chính');
    clock.set(at('06:30', '2026-12-03'));
    admin = await asAdmin(server);
    const cards = await admin.get(`/students/${seeded.students[0]!.id}/cards`);
    const lost = await admin.post(`/cards/${cards.body[0].id}/lost`, {});
    expect(lost.status).toBeLessThan(300);
    const card = seeded.students[0]!.card;
    const other = seeded.students[1]!.card;
    clock.set(at('06:52', '2026-12-03'));
    const taps = [
      gw.tap(card, at('06:50', '2026-12-03')),
      gw.tap(other, at('06:50', '2026-12-03')),
      gw.tap(card, at('06:52', '2026-12-03')),
    ];
    await gw.publish(taps);
    await gw.waitAcked(taps.map((t) => t.id));
    await evaluateAt(at('06:53', '2026-12-03'));
    clock.set(at('06:58', '2026-12-03'));
    await gw.publish([gw.tap(card, at('06:58', '2026-12-03'))]);
    await pollUntil(() => gw.acked.size >= 4, { what: 'ack' });
    await evaluateAt(at('06:59', '2026-12-03'));
    await evaluateAt(at('07:10', '2026-12-03'));
    let got = received(s);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ event: 'lost_card', audience: 'staff', signatureOk: true });
    expect(got[0]!.text).toContain('của em Y Liên đã báo mất được quẹt tại đầu đọc t1 (bộ thu Cổng chính)');
    expect(got[0]!.text).toContain('lúc 06:50 ngày 03/12/2026');
    // The next day: once more.
    clock.set(at('07:01', '2026-12-04'));
    const next = gw.tap(card, at('07:01', '2026-12-04'));
    await gw.publish([next]);
    await gw.waitAcked([next.id]);
    await evaluateAt(at('07:02', '2026-12-04'));
    await evaluateAt(at('07:03', '2026-12-04'));
    got = received(s);
    expect(got.map((m) => m.event)).toEqual(['lost_card', 'lost_card']);
    expect(got[1]!.text).toContain('lúc 07:01 ngày 04/12/2026');
    expect(requests(s)).toBe(2);
    // The alerts name the student: erasing the student's personal data erases them and their messages.
    admin = await asAdmin(server);
    const erased = await admin.request('DELETE', `/students/${seeded.students[0]!.id}/personal-data`, {
      reason: 'phụ huynh yêu cầu xoá dữ liệu',
    });
    expect(erased.status).toBe(200);
    const left = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM staff_alerts WHERE school_id = $1 AND kind = 'lost_card')::int +
              (SELECT count(*) FROM notification_outbox WHERE school_id = $1 AND event = 'lost_card')::int AS n`,
      [s],
    );
    expect(left).toEqual([{ n: 0 }]);
  });
});
