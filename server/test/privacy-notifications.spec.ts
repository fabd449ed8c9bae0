/**
 * Export and erasure of a student reach the notification data of the student's guardians (issue
 * #16): consent records, per-event preferences, push subscriptions and outbox rows. The export
 * lists them (push keys left out); the erasure removes, row by row, those of a guardian linked to
 * no other student and keeps those of a guardian who is still a sibling's; both are audited.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { ApiClient, asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';

describe('privacy: notification consents, preferences, push subscriptions and outbox in export and erasure', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  let admin: ApiClient;
  let db: Database;
  let a: SeededSchool;
  beforeAll(async () => {
    server = await startTestServer({ schedulerIntervalMs: 0, notifyWorker: false }, { clock });
    admin = await asAdmin(server);
    db = server.app.get(Database);
    a = await seedSchool(server.directory, 2);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const consent = (guardianId: string, channel: string, granted: boolean, at: string) =>
    db
      .query<{ id: string }>(
        `INSERT INTO notification_consents (guardian_id, channel, granted, at, method, note) VALUES ($1, $2, $3, $4, 'paper_form', 'phiếu đồng ý') RETURNING id::text`,
        [guardianId, channel, granted, at],
      )
      .then((r) => r[0]!.id);
  const push = (guardianId: string) =>
    db
      .query<{ id: string }>(
        `INSERT INTO push_subscriptions (guardian_id, endpoint, p256dh, auth, user_agent) VALUES ($1, $2, 'p256dh-secret-key', 'auth-secret', 'Firefox') RETURNING id`,
        [guardianId, `https://push.example/${randomUUID()}`],
      )
      .then((r) => r[0]!.id);
  const outbox = (studentId: string, guardianId: string) =>
    db
      .query<{ id: string }>(
        `INSERT INTO notification_outbox (student_id, guardian_id, school_id, event, event_at, channel, status, text, created_at)
         VALUES ($1, $2, $3, 'check_in', $4, 'sms', 'sent', 'đã đến trường', $4) RETURNING id`,
        [studentId, guardianId, a.schoolId, '2026-11-23T00:00:00Z'],
      )
      .then((r) => r[0]!.id);

  it('lists them in the export and removes those of guardians of no other student on erasure, audited', async () => {
    const [victim, sibling] = [a.students[0]!, a.students[1]!];
    const shared = await server.directory.addGuardian(victim.id, {
      name: 'Nguyễn Văn Chung',
      phone: '0933333333',
      channels: ['sms', 'push'],
    });
    await db.query('INSERT INTO student_guardians (student_id, guardian_id) VALUES ($1, $2)', [
      sibling.id,
      shared.id,
    ]);
    const own = await server.directory.addGuardian(victim.id, {
      name: 'Y Liên',
      phone: '0944444444',
      channels: ['sms'],
    });
    await db.query(`UPDATE guardians SET opted_out_events = '{check_out}' WHERE id = $1`, [own.id]);
    const consents = {
      shared: [
        await consent(shared.id, 'sms', true, '2026-09-05T08:00:00+07:00'),
        await consent(shared.id, 'push', true, '2026-09-05T08:01:00+07:00'),
      ],
      own: [
        await consent(own.id, 'sms', true, '2026-09-05T08:00:00+07:00'),
        await consent(own.id, 'sms', false, '2026-10-01T08:00:00+07:00'), // withdrawn
      ],
    };
    const pushes = { shared: await push(shared.id), own: await push(own.id) };
    const rows = {
      victimToOwn: await outbox(victim.id, own.id),
      victimToShared: await outbox(victim.id, shared.id),
      siblingToShared: await outbox(sibling.id, shared.id),
      siblingToOwn: await outbox(sibling.id, own.id), // from a link that has since ended
    };

    const r = await admin.get(`/students/${victim.id}/personal-data`);
    expect(r.status).toBe(200);
    const extra = r.body.extra as Record<string, Record<string, unknown>[]>;
    expect(extra.notificationConsents!.map((c) => c.id).sort()).toEqual(
      [...consents.shared, ...consents.own].sort(),
    );
    expect(extra.notificationConsents).toContainEqual(
      expect.objectContaining({ guardianId: own.id, channel: 'sms', granted: false, method: 'paper_form' }),
    );
    expect(extra.notificationPreferences).toEqual(
      expect.arrayContaining([
        { guardianId: own.id, channels: ['sms'], optedOutEvents: ['check_out'] },
        { guardianId: shared.id, channels: ['sms', 'push'], optedOutEvents: [] },
      ]),
    );
    expect(extra.pushSubscriptions!.map((p) => p.id).sort()).toEqual([pushes.shared, pushes.own].sort());
    expect(JSON.stringify(extra.pushSubscriptions)).not.toMatch(/p256dh-secret-key|auth-secret/);
    expect((r.body.notifications as { id: string }[]).map((n) => n.id).sort()).toEqual(
      [rows.victimToOwn, rows.victimToShared].sort(),
    );
    const file = await fetch(`${server.httpUrl}/api/v1/students/${victim.id}/personal-data?format=xlsx`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await file.arrayBuffer()) as unknown as ArrayBuffer);
    expect(JSON.stringify(wb.getWorksheet('Đồng ý nhận thông báo')!.getSheetValues())).toContain(
      consents.own[1],
    );
    expect(JSON.stringify(wb.getWorksheet('Đăng ký thông báo đẩy')!.getSheetValues())).toContain(pushes.own);

    const erase = await admin.request('DELETE', `/students/${victim.id}/personal-data`, {
      reason: 'Phụ huynh rút lại sự đồng ý, đơn số 7/2026',
    });
    expect(erase.status).toBe(200);
    expect(erase.body.removed).toMatchObject({
      notificationConsents: 2,
      pushSubscriptions: 1,
      guardianNotifications: 1,
      notifications: 2,
      guardianLinks: 2,
      guardians: 1,
      students: 1,
    });
    // Row by row: what is left is exactly the shared guardian's.
    expect(
      (
        await db.query<{ id: string }>(
          `SELECT id::text FROM notification_consents WHERE guardian_id = ANY($1::uuid[]) ORDER BY id`,
          [[shared.id, own.id]],
        )
      ).map((x) => x.id),
    ).toEqual(consents.shared);
    expect(
      (
        await db.query<{ id: string }>(`SELECT id FROM push_subscriptions WHERE id = ANY($1::uuid[])`, [
          [pushes.shared, pushes.own],
        ])
      ).map((x) => x.id),
    ).toEqual([pushes.shared]);
    expect(
      (
        await db.query<{ id: string }>(`SELECT id FROM notification_outbox WHERE id = ANY($1::uuid[])`, [
          Object.values(rows),
        ])
      ).map((x) => x.id),
    ).toEqual([rows.siblingToShared]);
    expect(
      await db.query(`SELECT id FROM guardians WHERE id = ANY($1::uuid[])`, [[shared.id, own.id]]),
    ).toEqual([{ id: shared.id }]);
    expect(await db.query(`SELECT 1 FROM guardians WHERE phone = '0944444444' OR name = 'Y Liên'`)).toEqual(
      [],
    );
    const [audit] = await db.query<{ details: { removed: Record<string, number> } }>(
      `SELECT details FROM audit_log WHERE action = 'student.erase' AND entity_id = $1`,
      [victim.id],
    );
    expect(audit!.details.removed).toMatchObject({
      notificationConsents: 2,
      pushSubscriptions: 1,
      guardianNotifications: 1,
    });
    expect(JSON.stringify(audit)).not.toMatch(/Y Liên|0944444444|push\.example/);
    const exports = await db.query(
      `SELECT 1 FROM audit_log WHERE action = 'student.export' AND entity_id = $1`,
      [victim.id],
    );
    expect(exports).toHaveLength(2);
  });
});
