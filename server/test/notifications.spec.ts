/**
 * Parent notifications end to end: taps through the embedded broker → outbox → worker → a local
 * webhook receiver (a real HTTP server speaking our webhook protocol) that counts what it got.
 * The clock is injected: staleness, quiet hours and back-off are moved by setting it.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin, type ApiClient } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { NotificationsRepository } from '../src/notifications/notifications.repository.js';
import { NotificationWorker } from '../src/notifications/notification-worker.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import type {
  NotificationChannel,
  OutgoingMessage,
  SendResult,
} from '../src/notifications/channels/channel.js';

const SECRET = 'webhook-secret-of-the-school-7f3a';

/** The school's app: records each request, dedupes on X-Notification-Id like a provider does. */
class WebhookReceiver {
  readonly requests: { id: string; body: Record<string, unknown>; signatureOk: boolean }[] = [];
  /** Messages "shown" (first request of each id). */
  readonly shown = new Map<string, Record<string, unknown>>();
  mode: 'ok' | 'down' = 'ok';
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (this.mode === 'down') {
        res.writeHead(503).end();
        return;
      }
      const raw = Buffer.concat(chunks);
      const id = String(req.headers['x-notification-id']);
      const signatureOk =
        req.headers['x-signature'] === `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      this.requests.push({ id, body, signatureOk });
      if (!this.shown.has(id)) this.shown.set(id, body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('parent notifications', () => {
  const clock = new ManualClock('2026-11-23T06:45:00+07:00'); // a Monday
  let server: TestServer;
  let db: Database;
  let school: SeededSchool;
  let gw: TestGateway;
  let admin: ApiClient;
  let hook: WebhookReceiver;
  let notifications: NotificationsService;
  const guardians: string[] = [];

  const outbox = (studentId: string) =>
    db.query<{
      id: string;
      status: string;
      channel: string | null;
      last_error: string | null;
      attempts: number;
      guardian_id: string;
      text: string | null;
      event: string;
    }>(
      'SELECT id, status, channel, last_error, attempts, guardian_id, text, event FROM notification_outbox WHERE student_id = $1 ORDER BY created_at, guardian_id',
      [studentId],
    );

  beforeAll(async () => {
    hook = new WebhookReceiver();
    await hook.start();
    server = await startTestServer(
      { notifyPollMs: 50, notifyBackoffBaseMs: 1000, notifyBackoffMaxMs: 60_000 },
      { clock },
    );
    db = server.app.get(Database);
    notifications = server.app.get(NotificationsService);
    admin = await asAdmin(server);
    school = await seedSchool(server.directory, 8);
    await db.query(`UPDATE students SET name = 'Y Liên' WHERE id = $1`, [school.students[0]!.id]); // a name never split
    const reg = await admin.put(`/schools/${school.schoolId}/webhook`, { url: hook.url, secret: SECRET });
    if (reg.status !== 200)
      throw new Error(`webhook registration: ${reg.status} ${JSON.stringify(reg.body)}`);
    // Guardian i of student i: webhook first; students 0–5 consented; student 6's guardian never did.
    for (let i = 0; i < 8; i++) {
      const g = await server.directory.addGuardian(school.students[i]!.id, {
        name: `Phụ huynh ${i}`,
        phone: `09120000${10 + i}`,
        channels: ['webhook', 'sms'],
      });
      guardians.push(g.id);
      if (i !== 6) {
        const r = await admin.post(`/guardians/${g.id}/consents`, {
          channels: ['webhook', 'sms'],
          granted: true,
          method: 'paper_form',
          note: 'phiếu đồng ý đầu năm học',
        });
        if (r.status !== 201) throw new Error(`consent: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
    await hook?.close();
  });

  it('a check-in reaches the guardian once, within a second, signed, with the notification id', async () => {
    const s = school.students[0]!;
    const t0 = performance.now();
    await gw.publish([gw.tap(s.card, '2026-11-23T06:44:30+07:00')]);
    const [row] = await pollUntil(
      async () => {
        const rows = await outbox(s.id);
        return rows.length && rows[0]!.status === 'sent' ? rows : null;
      },
      { what: 'sent' },
    );
    expect(performance.now() - t0).toBeLessThan(1000 + 500); // NOTIFY wakes the worker: no poll interval to wait for
    expect(row).toMatchObject({
      status: 'sent',
      channel: 'webhook',
      attempts: 1,
      guardian_id: guardians[0],
      event: 'check_in',
    });
    expect(row!.text).toBe(
      `Em Y Liên (lớp 6A) đã đến trường ${(await db.query<{ name: string }>('SELECT name FROM schools WHERE id = $1', [school.schoolId]))[0]!.name} lúc 06:44 ngày 23/11/2026.`,
    );
    const got = hook.requests.filter((r) => r.id === row!.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.signatureOk).toBe(true);
    expect(got[0]!.body).toMatchObject({
      id: row!.id,
      event: 'check_in',
      text: row!.text,
      params: { student_name: 'Y Liên', time: '06:44', date: '23/11/2026' },
    });
    // The same tap again (a gateway resend) and a later tap: no second message.
    await gw.publish([
      gw.tap(s.card, '2026-11-23T06:44:30+07:00'),
      gw.tap(s.card, '2026-11-23T06:46:00+07:00'),
    ]);
    await pollUntil(() => gw.ackMessages.length >= 2, { what: 'acks' });
    await notifications.worker.drainAll();
    expect(
      hook.requests.filter(
        (r) => r.body.event === 'check_in' && (r.body.guardian as { id: string }).id === guardians[0],
      ),
    ).toHaveLength(1);
    // §4 fields on the student's list.
    const list = await admin.get(`/students/${s.id}/notifications`);
    expect(list.status).toBe(200);
    expect(list.body[0]).toMatchObject({
      id: row!.id,
      guardianId: guardians[0],
      event: 'check_in',
      channel: 'webhook',
      status: 'sent',
      attempts: 1,
      lastError: null,
      deliveredAt: null,
    });
    expect(list.body[0].sentAt).toBe(clock.now().toISOString());
  });

  it('a guardian without consent gets nothing (skipped, no_consent)', async () => {
    const s = school.students[6]!;
    const before = hook.requests.length;
    await gw.publish([gw.tap(s.card, '2026-11-23T06:45:00+07:00')]);
    const [row] = await pollUntil(
      async () => {
        const rows = await outbox(s.id);
        return rows.length && rows[0]!.status !== 'pending' ? rows : null;
      },
      { what: 'decided' },
    );
    expect(row).toMatchObject({ status: 'skipped', last_error: 'no_consent', channel: null, attempts: 0 });
    expect(
      hook.requests.slice(before).filter((r) => (r.body.guardian as { id: string }).id === guardians[6]),
    ).toHaveLength(0);
  });

  it('a tap drained 3 hours late is skipped as stale', async () => {
    const s = school.students[1]!;
    clock.set('2026-11-23T09:50:00+07:00');
    try {
      await gw.publish([gw.tap(s.card, '2026-11-23T06:50:00+07:00')]); // from a gateway's backlog
      const [row] = await pollUntil(
        async () => {
          const rows = await outbox(s.id);
          return rows.length && rows[0]!.status !== 'pending' ? rows : null;
        },
        { what: 'decided' },
      );
      expect(row).toMatchObject({ status: 'skipped', last_error: 'stale', attempts: 0 });
      expect(hook.requests.filter((r) => r.id === row!.id)).toHaveLength(0);
    } finally {
      clock.set('2026-11-23T06:50:00+07:00');
    }
  });

  it('the provider down for a while, then back: everything delivered exactly once (back-off on the injected clock)', async () => {
    hook.mode = 'down';
    try {
      const ss = [school.students[2]!, school.students[3]!];
      await gw.publish(ss.map((s) => gw.tap(s.card, '2026-11-23T06:49:00+07:00')));
      await pollUntil(
        async () => (await Promise.all(ss.map((s) => outbox(s.id)))).every((r) => r[0]?.attempts === 1),
        { what: 'first attempts' },
      );
      const r1 = (await outbox(ss[0]!.id))[0]!;
      expect(r1).toMatchObject({ status: 'pending', last_error: 'webhook_http_503', channel: 'webhook' });
      // Nothing is retried before its back-off is due …
      await notifications.worker.drainAll();
      expect((await outbox(ss[0]!.id))[0]!.attempts).toBe(1);
      // … three more failures as the clock moves on, then the receiver is back.
      for (let i = 0; i < 3; i++) {
        clock.advance(60_000);
        await notifications.worker.drainAll();
      }
      expect((await outbox(ss[0]!.id))[0]!.attempts).toBe(4);
      hook.mode = 'ok';
      clock.advance(60_000);
      await notifications.worker.drainAll();
      for (const s of ss) {
        const [row] = await outbox(s.id);
        expect(row).toMatchObject({ status: 'sent', attempts: 5, last_error: null });
        expect(hook.requests.filter((r) => r.id === row!.id)).toHaveLength(1);
      }
    } finally {
      hook.mode = 'ok';
    }
  });

  it('a channel that fails for this guardian only falls back to their next channel', async () => {
    // A stand-in "SMS" that can never reach student 4's guardian (invalid number) and records the rest.
    const smsGot: string[] = [];
    const sms: NotificationChannel = {
      name: 'sms',
      limits: { concurrency: 4, perSecond: 100 },
      canReach: (r) => r.phone !== null,
      send: (m: OutgoingMessage): Promise<SendResult> => {
        smsGot.push(m.id);
        return Promise.resolve({ outcome: 'sent', providerMessageId: `sms-${m.id}` });
      },
    };
    notifications.channels.register(sms);
    // Student 4's guardian prefers SMS then the webhook; the SMS provider says "invalid number".
    const failing: NotificationChannel = {
      ...sms,
      send: (m) =>
        Promise.resolve(
          m.recipient.guardianId === guardians[4]
            ? { outcome: 'failed', error: 'invalid_number', forRecipient: true }
            : sms.send(m, new AbortController().signal),
        ),
    };
    notifications.channels.register(failing);
    await admin.put(`/guardians/${guardians[4]}/notification-preferences`, { channels: ['sms', 'webhook'] });
    await admin.put(`/guardians/${guardians[5]}/notification-preferences`, { channels: ['sms', 'webhook'] });
    await gw.publish([
      gw.tap(school.students[4]!.card, '2026-11-23T06:50:00+07:00'),
      gw.tap(school.students[5]!.card, '2026-11-23T06:50:00+07:00'),
    ]);
    const done = async (sid: string) => {
      const rows = await outbox(sid);
      return rows.length && rows[0]!.status === 'sent' ? rows[0] : null;
    };
    const r4 = await pollUntil(() => done(school.students[4]!.id), { what: 'student 4 sent' });
    const r5 = await pollUntil(() => done(school.students[5]!.id), { what: 'student 5 sent' });
    expect(r4).toMatchObject({ channel: 'webhook', attempts: 2 });
    expect(
      (
        await db.query<{ channels_tried: string[] }>(
          'SELECT channels_tried FROM notification_outbox WHERE id = $1',
          [r4.id],
        )
      )[0]!.channels_tried,
    ).toEqual(['sms']);
    expect(hook.requests.filter((r) => r.id === r4.id)).toHaveLength(1);
    expect(r5).toMatchObject({ channel: 'sms', attempts: 1 }); // the other guardian stays on SMS
    expect(smsGot).toEqual([r5.id]);
    expect(hook.requests.filter((r) => r.id === r5.id)).toHaveLength(0);
  });

  it('two workers draining one outbox send nothing twice', async () => {
    await notifications.worker.stop(); // two fresh workers, on their own pools' clients
    const repo = server.app.get(NotificationsRepository);
    const metrics = server.app.get(MetricsService);
    const w = (id: string) =>
      new NotificationWorker(
        id,
        db,
        repo,
        notifications.channels,
        { ...server.config, notifyBatch: 20 },
        clock,
        metrics,
        server.logger,
      );
    const a = w('worker-a');
    const b = w('worker-b');
    // 300 due messages for one consented guardian (resends: outside the once-a-day key), straight into the outbox.
    const [seed] = await outbox(school.students[0]!.id);
    await db.query(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, event, event_at, resend_of)
       SELECT $1, $2, '2026-11-23', $3, 'check_in', $4, $5 FROM generate_series(1, 300)`,
      [school.students[7]!.id, school.schoolId, guardians[7], clock.now().toISOString(), seed!.id],
    );
    const before = hook.requests.length;
    const [sa, sb] = await Promise.all([a.drainAll(), b.drainAll()]);
    expect(sa.claimed + sb.claimed).toBe(300);
    const rows = await db.query<{ id: string; status: string }>(
      'SELECT id, status FROM notification_outbox WHERE student_id = $1 AND resend_of IS NOT NULL',
      [school.students[7]!.id],
    );
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const got = hook.requests.slice(before).map((r) => r.id);
    expect(got).toHaveLength(300);
    expect(new Set(got).size).toBe(300);
    await notifications.worker.start();
  });
});
