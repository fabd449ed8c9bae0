/**
 * Privacy (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): the retention job removes exactly what has
 * outlived its period (checked row by row), export and erasure of a student are complete and
 * audited, and the audit log refuses UPDATE, DELETE and TRUNCATE.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { ApiClient, asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { SchedulerService } from '../src/scheduler/scheduler.service.js';

describe('privacy: retention, export, erasure, append-only audit', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  let admin: ApiClient;
  let db: Database;
  let a: SeededSchool;
  beforeAll(async () => {
    server = await startTestServer(
      {
        schedulerIntervalMs: 0,
        // The rows below are the retention job's to judge: a running notification worker would
        // settle the old pending one first (a race that made the count 2 or 3).
        notifyWorker: false,
        retentionTapsDays: 400,
        retentionNotificationsDays: 90,
        retentionAuditDays: 730,
        retentionDeadLettersDays: 30,
      },
      { clock },
    );
    admin = await asAdmin(server);
    db = server.app.get(Database);
    a = await seedSchool(server.directory, 3);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const tap = (studentId: string | null, at: string, id = randomUUID()) =>
    db
      .query(
        `INSERT INTO taps (id, at, school_id, gateway_id, terminal, card, raw, seq, student_id, local_date) VALUES ($1, $2::timestamptz, $3, 'gw', 't1', 'em4100:40:0A0B0C0D0E', 'raw', 1, $4, ($2::timestamptz)::date)`,
        [id, at, a.schoolId, studentId],
      )
      .then(() => id);
  const note = (studentId: string, createdAt: string, status: string) =>
    db
      .query<{ id: string }>(
        `INSERT INTO notification_outbox (student_id, school_id, event, event_at, channel, status, text, created_at)
         VALUES ($1, $4, 'check_in', $3, 'sms', $2, 'x', $3) RETURNING id`,
        [studentId, status, createdAt, a.schoolId],
      )
      .then((r) => r[0]!.id);

  it('the retention job deletes exactly the rows past their period, once a day across replicas', async () => {
    const s = a.students[0]!.id;
    const taps = {
      old: await tap(s, '2025-10-01T07:00:00+07:00'),
      oldUnknown: await tap(null, '2025-01-01T07:00:00+07:00'),
      kept: await tap(s, '2025-11-01T07:00:00+07:00'),
      recent: await tap(s, '2026-11-20T07:00:00+07:00'),
    };
    const notes = {
      oldSent: await note(s, '2026-08-01T00:00:00Z', 'sent'),
      oldFailed: await note(s, '2026-07-01T00:00:00Z', 'failed'),
      oldPending: await note(s, '2026-07-01T00:00:00Z', 'pending'),
      recent: await note(s, '2026-11-01T00:00:00Z', 'sent'),
    };
    const audit = async (at: string) =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO audit_log (at, actor, action, entity) VALUES ($1, 'system', 'test.retention', 'test') RETURNING id::text`,
          [at],
        )
      )[0]!.id;
    const audits = { old: await audit('2024-01-01T00:00:00Z'), kept: await audit('2025-06-01T00:00:00Z') };
    const dead = async (at: string) =>
      (
        await db.query<{ id: string }>(
          `INSERT INTO dead_letters (received_at, topic, code, reason, payload) VALUES ($1, 't', 'bad', 'r', '{}') RETURNING id::text`,
          [at],
        )
      )[0]!.id;
    const deads = { old: await dead('2026-10-01T00:00:00Z'), kept: await dead('2026-11-10T00:00:00Z') };
    const day = await db.query(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status) VALUES ($1, '2025-10-01', $2, $3, 'present') RETURNING 1`,
      [s, a.schoolId, a.classId],
    );
    expect(day).toHaveLength(1);

    const ran = (await server.app.get(SchedulerService).runDue()).filter((o) => o.job === 'retention');
    expect(ran).toHaveLength(1);
    expect(ran[0]!.result).toMatchObject({ taps: 2, notifications: 2, audit: 1, deadLetters: 1 });
    const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id).sort();
    expect(
      await ids(`SELECT id::text FROM taps WHERE id = ANY('{${Object.values(taps).join(',')}}')`),
    ).toEqual([taps.kept, taps.recent].sort());
    expect(
      await ids(
        `SELECT id::text FROM notification_outbox WHERE id = ANY('{${Object.values(notes).join(',')}}')`,
      ),
    ).toEqual([notes.oldPending, notes.recent].sort());
    expect(await ids(`SELECT id::text FROM audit_log WHERE action = 'test.retention'`)).toEqual([
      audits.kept,
    ]);
    expect(await ids(`SELECT id::text FROM dead_letters`)).toEqual([deads.kept]);
    // The attendance day (the school's record, the reports' input) stays.
    expect(
      await db.query(`SELECT 1 FROM attendance_days WHERE student_id = $1 AND date = '2025-10-01'`, [s]),
    ).toHaveLength(1);
    expect((await server.app.get(SchedulerService).runDue()).filter((o) => o.job === 'retention')).toEqual(
      [],
    ); // once a day
  });

  it('the audit log refuses UPDATE, DELETE and TRUNCATE from the application', async () => {
    await expect(db.query(`UPDATE audit_log SET actor = 'someone-else'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    // Even inside the retention switch, a recent entry cannot be deleted.
    await expect(
      db.transaction(async (c) => {
        await c.query(`SET LOCAL rfid.audit_expiry = 'on'`);
        await c.query(`DELETE FROM audit_log WHERE at > now() - interval '1 day'`);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('exports everything held about one student (JSON and a readable XLSX), audited', async () => {
    const s = a.students[1]!;
    await server.directory.addGuardian(s.id, {
      name: 'Trần Thị Hoa',
      phone: '0987654321',
      channels: ['sms'],
    });
    await tap(s.id, '2026-11-23T06:45:00+07:00');
    await note(s.id, '2026-11-23T00:00:00Z', 'sent');
    const r = await admin.get(`/students/${s.id}/personal-data`);
    expect(r.status).toBe(200);
    expect(r.body.student).toMatchObject({ id: s.id, name: s.name });
    expect(r.body.guardians).toEqual([
      expect.objectContaining({ name: 'Trần Thị Hoa', phone: '0987654321' }),
    ]);
    expect(r.body.cards).toHaveLength(1);
    expect(r.body.taps).toHaveLength(1);
    expect(r.body.notifications).toHaveLength(1);
    expect(r.body.exportedAt).toBe(clock.now().toISOString());
    const file = await fetch(`${server.httpUrl}/api/v1/students/${s.id}/personal-data?format=xlsx`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(file.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await file.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      'Học sinh',
      'Người giám hộ',
      'Thẻ',
      'Điểm danh',
      'Lượt quẹt thẻ',
      'Thông báo',
      'Tài khoản',
      'Nhật ký',
      'Đồng ý nhận thông báo',
      'Tuỳ chọn thông báo',
      'Đăng ký thông báo đẩy',
    ]);
    expect(JSON.stringify(wb.getWorksheet('Người giám hộ')!.getSheetValues())).toContain('Trần Thị Hoa');
    const audits = await db.query<{ details: { format: string } }>(
      `SELECT details FROM audit_log WHERE action = 'student.export' AND entity_id = $1 ORDER BY id`,
      [s.id],
    );
    expect(audits.map((x) => x.details.format)).toEqual(['json', 'xlsx']);
    expect((await admin.get(`/students/${s.id}/personal-data?format=pdfx`)).status).toBe(400);
    expect((await admin.get(`/students/${randomUUID()}/personal-data`)).status).toBe(404);
  });

  it('erases a student completely (guardians of no other student too), audited without personal data', async () => {
    const [victim, sibling] = [a.students[2]!, a.students[0]!];
    const shared = await server.directory.addGuardian(victim.id, {
      name: 'Lê Văn Bố',
      phone: '0911111111',
      channels: ['sms'],
    });
    await db.query('INSERT INTO student_guardians (student_id, guardian_id) VALUES ($1, $2)', [
      sibling.id,
      shared.id,
    ]);
    await server.directory.addGuardian(victim.id, {
      name: 'Phạm Thị Riêng',
      phone: '0922222222',
      channels: ['sms'],
    });
    await tap(victim.id, '2026-11-23T06:50:00+07:00');
    await note(victim.id, '2026-11-23T00:00:00Z', 'sent');
    await db.query(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status) VALUES ($1, '2026-11-23', $2, $3, 'present')`,
      [victim.id, a.schoolId, a.classId],
    );
    expect((await admin.request('DELETE', `/students/${victim.id}/personal-data`, {})).status).toBe(400); // reason required
    const r = await admin.request('DELETE', `/students/${victim.id}/personal-data`, {
      reason: 'Yêu cầu của phụ huynh số 12/2026',
    });
    expect(r.status).toBe(200);
    expect(r.body.removed).toMatchObject({
      taps: 1,
      notifications: 1,
      attendanceDays: 1,
      cards: 1,
      guardianLinks: 2,
      guardians: 1,
      students: 1,
    });
    for (const [table, column] of [
      ['students', 'id'],
      ['taps', 'student_id'],
      ['notification_outbox', 'student_id'],
      ['attendance_days', 'student_id'],
      ['cards', 'student_id'],
      ['student_guardians', 'student_id'],
      ['user_students', 'student_id'],
    ]) {
      expect({
        table,
        rows: (await db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [victim.id])).length,
      }).toEqual({ table, rows: 0 });
    }
    expect(await db.query(`SELECT name FROM guardians WHERE phone IN ('0911111111', '0922222222')`)).toEqual([
      { name: 'Lê Văn Bố' },
    ]); // still the sibling's
    const [audit] = await db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE action = 'student.erase' AND entity_id = $1`,
      [victim.id],
    );
    expect(audit!.details.reason).toBe('Yêu cầu của phụ huynh số 12/2026');
    expect(JSON.stringify(audit)).not.toContain(victim.name);
    expect((await admin.get(`/students/${victim.id}/personal-data`)).status).toBe(404);
  });
});
