/**
 * Card life over HTTP with real taps over MQTT: lost card stops matching at once and its taps are
 * flagged, replacement, tap to enrol, conflicts; manual attendance by a teacher. Each audited.
 */
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { asAdmin, login, type ApiClient } from './support/api.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { Database } from '../src/db/database.service.js';

describe('card life and manual attendance', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  let admin: ApiClient;
  let staff: ApiClient;
  let school: SeededSchool;
  let gw: TestGateway;
  let db: Database;

  const studentOfTap = async (id: string) => {
    const rows = await pollUntil(
      async () => {
        const r = await db.query<{ student_id: string | null }>('SELECT student_id FROM taps WHERE id = $1', [
          id,
        ]);
        return r.length ? r : null;
      },
      { what: `tap ${id} stored` },
    );
    return rows[0]!.student_id;
  };
  const tap = async (card: string, at: string) => {
    const t = gw.tap(card, at);
    await gw.publish([t]);
    await gw.waitAcked([t.id]);
    return t.id;
  };
  const auditActions = async () =>
    (await admin.get('/audit?action=card.&limit=50')).body.map(
      (a: { action: string }) => a.action,
    ) as string[];

  beforeAll(async () => {
    server = await startTestServer({}, { clock });
    db = server.app.get(Database);
    admin = await asAdmin(server);
    school = await seedSchool(server.directory, 3);
    await admin.post('/users', {
      username: 'staff',
      password: 'văn-phòng-trường-A',
      role: 'school',
      schoolId: school.schoolId,
    });
    staff = await login(server, 'staff', 'văn-phòng-trường-A');
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
  });

  it('a lost card stops matching at once, its taps are flagged, and a new card (printed form) takes over', async () => {
    const s0 = school.students[0]!;
    expect(await studentOfTap(await tap(s0.card, '2026-11-23T06:40:00+07:00'))).toBe(s0.id);
    const cards = (await staff.get(`/students/${s0.id}/cards`)).body as { id: string; status: string }[];
    const lost = await staff.post(`/cards/${cards[0]!.id}/lost`);
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({ status: 'lost' });
    expect((await staff.post(`/cards/${cards[0]!.id}/lost`)).status).toBe(409);

    const afterLost = await tap(s0.card, '2026-11-23T06:41:00+07:00');
    expect(await studentOfTap(afterLost)).toBeNull();
    const unknown = (
      await staff.get(`/schools/${school.schoolId}/unknown-cards?since=2026-11-23T00:00:00%2B07:00`)
    ).body as { card: string; lastTapId: string; retired: { status: string; studentId: string } | null }[];
    expect(unknown.find((u) => u.card === s0.card)).toMatchObject({
      lastTapId: afterLost,
      retired: { status: 'lost', studentId: s0.id },
    });

    // New card given by the 10-digit number printed on it; a 40-bit read of it resolves.
    const assigned = await staff.post(`/students/${s0.id}/cards`, { card: '0363542209' });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({
      text: 'em4100:32:15AB36C1',
      status: 'active',
      printed: '0363542209',
    });
    expect(await studentOfTap(await tap('em4100:40:0915AB36C1', '2026-11-23T06:42:00+07:00'))).toBe(s0.id);
    expect(await auditActions()).toEqual(expect.arrayContaining(['card.lost', 'card.assign']));
  });

  it('replacing a card retires the old one (it stops matching) and refuses another student’s card', async () => {
    const s1 = school.students[1]!;
    const s2 = school.students[2]!;
    const clash = await staff.post(`/students/${s1.id}/cards`, { card: s2.card });
    expect(clash.status).toBe(409);
    expect(clash.body.message).toContain(s2.name);
    const replaced = await staff.post(`/students/${s1.id}/cards`, { card: '200,12345' });
    expect(replaced.status).toBe(201);
    const history = (await staff.get(`/students/${s1.id}/cards`)).body as { status: string; text: string }[];
    expect(history.map((c) => c.status)).toEqual(['active', 'replaced']);
    expect(await studentOfTap(await tap(s1.card, '2026-11-23T06:43:00+07:00'))).toBeNull();
    expect(await studentOfTap(await tap('em4100:40:7700C83039', '2026-11-23T06:44:00+07:00'))).toBe(s1.id);
    expect((await staff.post(`/students/${s1.id}/cards`, { card: 'not a card' })).status).toBe(400);
    expect(await auditActions()).toContain('card.replace');
  });

  it('tap to enrol: an unknown card tapped at the gate is given to a student, and then resolves', async () => {
    const s2 = school.students[2]!;
    const fresh = 'em4100:40:0ABCDEF012';
    const unknownTap = await tap(fresh, '2026-11-23T06:45:00+07:00');
    expect(await studentOfTap(unknownTap)).toBeNull();
    const list = (
      await staff.get(`/schools/${school.schoolId}/unknown-cards?since=2026-11-23T06:00:00%2B07:00`)
    ).body as { card: string; lastTapId: string; retired: unknown }[];
    expect(list.find((u) => u.card === fresh)).toMatchObject({ lastTapId: unknownTap, retired: null });
    const enrolled = await staff.post(`/students/${s2.id}/cards`, { fromTapId: unknownTap });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toMatchObject({ text: fresh, studentId: s2.id });
    expect(await studentOfTap(await tap(fresh, '2026-11-23T06:46:00+07:00'))).toBe(s2.id);
    const after = (
      await staff.get(`/schools/${school.schoolId}/unknown-cards?since=2026-11-23T06:00:00%2B07:00`)
    ).body as { card: string }[];
    expect(after.map((u) => u.card)).not.toContain(fresh);
    // A tap of another school cannot be used; a teacher may not enrol.
    const other = await seedSchool(server.directory, 1);
    expect(
      (await admin.post(`/students/${other.students[0]!.id}/cards`, { fromTapId: unknownTap })).status,
    ).toBe(404);
    expect(await auditActions()).toContain('card.enrol-from-tap');
  });

  it('manual attendance by the class teacher: excused with a reason, kept beside the tap times, audited', async () => {
    const s0 = school.students[0]!;
    await admin.post('/users', {
      username: 'gv6a',
      password: 'teacher-password',
      role: 'teacher',
      classIds: [school.classId],
    });
    const teacher = await login(server, 'gv6a', 'teacher-password');
    const bad = await teacher.put(`/students/${s0.id}/attendance/2026-11-23`, { status: 'excused' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('reason');
    expect(
      (await teacher.put(`/students/${s0.id}/attendance/2026-11-31`, { status: 'excused', reason: 'x' }))
        .status,
    ).toBe(400);
    expect(
      (await teacher.put(`/students/${s0.id}/attendance/2026-11-30`, { status: 'present', reason: 'x' }))
        .status,
    ).toBe(400);
    const res = await teacher.put(`/students/${s0.id}/attendance/2026-11-23`, {
      status: 'excused',
      reason: 'Ốm, mẹ xin phép',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'excused',
      source: 'manual',
      note: 'Ốm, mẹ xin phép',
      firstIn: '2026-11-23T06:40:00.000+07:00',
    });
    // A later tap changes only the times, never the status set by hand.
    await tap('em4100:40:0915AB36C1', '2026-11-23T16:40:00+07:00');
    const rows = (await teacher.get(`/schools/${school.schoolId}/attendance?date=2026-11-23`)).body as {
      studentId: string;
      status: string;
    }[];
    expect(rows.find((r) => r.studentId === s0.id)?.status).toBe('excused');
    const audit = (await admin.get('/audit?action=attendance.set&limit=1')).body as {
      actor: string;
      details: { reason: string; before: { status: string } };
    }[];
    expect(audit[0]).toMatchObject({
      actor: 'user:gv6a',
      details: { reason: 'Ốm, mẹ xin phép', before: { status: 'present' } },
    });
    // Another class's teacher: not found; a parent: forbidden.
    const k7 = await server.directory.createClass({ schoolId: school.schoolId, name: '7A' });
    await admin.post('/users', {
      username: 'gv7a',
      password: 'teacher-password',
      role: 'teacher',
      classIds: [k7.id],
    });
    const other = await login(server, 'gv7a', 'teacher-password');
    expect(
      (await other.put(`/students/${s0.id}/attendance/2026-11-23`, { status: 'present', reason: 'x' }))
        .status,
    ).toBe(404);
    await admin.post('/users', {
      username: 'me.s0',
      password: 'parent-password',
      role: 'parent',
      studentIds: [s0.id],
    });
    const parent = await login(server, 'me.s0', 'parent-password');
    expect(
      (await parent.put(`/students/${s0.id}/attendance/2026-11-23`, { status: 'present', reason: 'x' }))
        .status,
    ).toBe(403);
    const days = (await parent.get(`/students/${s0.id}/attendance?from=2026-11-01&to=2026-11-30`)).body as {
      status: string;
      source: string;
    }[];
    expect(days).toEqual([expect.objectContaining({ status: 'excused', source: 'manual' })]);
  });
});
