/**
 * Scope enforcement for every role over HTTP: lists are cut, and ids outside the caller's scope —
 * real or guessed — answer 404 exactly like ids that do not exist.
 */
import { randomUUID } from 'node:crypto';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { asAdmin, login, type ApiClient } from './support/api.js';
import { Database } from '../src/db/database.service.js';

describe('scope of each role', () => {
  let server: TestServer;
  let admin: ApiClient;
  let a: SeededSchool; // district A, school A, class 6A (3 students)
  let b: SeededSchool; // district B
  let a7: { classId: string; studentId: string }; // class 7A of school A
  let district: ApiClient;
  let school: ApiClient;
  let teacher: ApiClient;
  let parent: ApiClient;
  const day = '2026-11-23';

  beforeAll(async () => {
    server = await startTestServer();
    admin = await asAdmin(server);
    a = await seedSchool(server.directory, 3);
    b = await seedSchool(server.directory, 2);
    const k7 = await server.directory.createClass({ schoolId: a.schoolId, name: '7A', grade: 7 });
    const s7 = await server.directory.createStudent({
      schoolId: a.schoolId,
      classId: k7.id,
      studentCode: `A7-${Date.now()}`,
      name: 'Y Liên',
    });
    a7 = { classId: k7.id, studentId: s7.id };
    const mk = async (username: string, body: Record<string, unknown>) => {
      const r = await admin.post('/users', {
        username,
        password: `mk-${username.length}-Điểm-danh`,
        ...body,
      });
      expect(r.status).toBe(201);
      return login(server, username, `mk-${username.length}-Điểm-danh`);
    };
    district = await mk('district.a', { role: 'district', districtId: a.districtId });
    school = await mk('school.a', { role: 'school', schoolId: a.schoolId });
    teacher = await mk('teacher.6a', { role: 'teacher', classIds: [a.classId] });
    parent = await mk('parent.a0', { role: 'parent', studentIds: [a.students[0]!.id] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const ids = (rows: { id: string }[]) => rows.map((r) => r.id).sort();

  it('admin sees every district and school', async () => {
    expect(ids((await admin.get('/districts')).body)).toEqual([a.districtId, b.districtId].sort());
    const schools = (await admin.get('/schools')).body as {
      id: string;
      name: string;
      districtId: string;
      timeZone: string;
      code: string;
    }[];
    expect(ids(schools)).toEqual([a.schoolId, b.schoolId].sort());
    expect(schools[0]).toMatchObject({
      timeZone: 'Asia/Ho_Chi_Minh',
      code: expect.any(String),
      districtId: expect.any(String),
    });
  });

  it('a district sees only its district and its schools; another district is 404', async () => {
    expect(ids((await district.get('/districts')).body)).toEqual([a.districtId]);
    expect(ids((await district.get('/schools')).body)).toEqual([a.schoolId]);
    expect((await district.get(`/schools/${b.schoolId}/attendance?date=${day}`)).status).toBe(404);
    expect((await district.get(`/schools/${b.schoolId}`)).status).toBe(404);
    expect((await district.get(`/districts/${b.districtId}/schools`)).status).toBe(404);
    expect((await district.get(`/students/${b.students[0]!.id}`)).status).toBe(404);
    expect((await district.get(`/schools/${a.schoolId}/attendance?date=${day}`)).status).toBe(200);
    // Creating a school in another district, or a device there, is refused the same way.
    expect(
      (await district.post('/schools', { districtId: b.districtId, code: 'X-1', name: 'X' })).status,
    ).toBe(404);
    expect((await district.post('/devices', { schoolId: b.schoolId, name: 'x' })).status).toBe(404);
    expect(
      (
        await district.post('/users', {
          username: 'sneaky',
          password: 'lén-lút-2026-mk',
          role: 'school',
          schoolId: b.schoolId,
        })
      ).status,
    ).toBe(404);
  });

  it('a school user sees only its school', async () => {
    expect(ids((await school.get('/schools')).body)).toEqual([a.schoolId]);
    expect((await school.get(`/schools/${b.schoolId}/taps?date=${day}`)).status).toBe(404);
    expect((await school.get(`/classes/${b.classId}/students`)).status).toBe(404);
    const rows = (await school.get(`/schools/${a.schoolId}/attendance?date=${day}`)).body as {
      studentId: string;
    }[];
    expect(rows).toHaveLength(4);
    expect(
      (
        await school.post('/users', {
          username: 'district.b2',
          password: 'Phòng-GD-b2-2026',
          role: 'district',
          districtId: a.districtId,
        })
      ).status,
    ).toBe(403);
  });

  it('a teacher sees only its class, even inside its own school, and cannot change the directory', async () => {
    expect(ids((await teacher.get('/schools')).body)).toEqual([a.schoolId]);
    expect((await teacher.get('/districts')).body).toEqual([]);
    const rows = (await teacher.get(`/schools/${a.schoolId}/attendance?date=${day}`)).body as {
      studentId: string;
    }[];
    expect(rows.map((r) => r.studentId).sort()).toEqual(a.students.map((s) => s.id).sort());
    const taps = await teacher.get(`/schools/${a.schoolId}/taps?date=${day}`);
    expect(taps.status).toBe(200);
    expect(ids((await teacher.get(`/schools/${a.schoolId}/classes`)).body)).toEqual([a.classId]);
    expect((await teacher.get(`/classes/${a7.classId}/students`)).status).toBe(404);
    expect((await teacher.get(`/students/${a7.studentId}`)).status).toBe(404);
    expect((await teacher.get(`/students/${a.students[1]!.id}`)).status).toBe(200);
    expect((await teacher.get(`/schools/${b.schoolId}/attendance?date=${day}`)).status).toBe(404);
    expect((await teacher.get(`/students/${randomUUID()}`)).status).toBe(404);
    expect((await teacher.patch(`/students/${a.students[1]!.id}`, { name: 'Đổi tên' })).status).toBe(403);
    expect((await teacher.get('/audit')).status).toBe(403);
  });

  it('a parent sees only its own child: a classmate, a guessed id and the school list are cut', async () => {
    const own = a.students[0]!.id;
    expect((await parent.get(`/students/${own}`)).body).toMatchObject({ id: own });
    expect((await parent.get(`/students/${a.students[1]!.id}`)).status).toBe(404);
    expect((await parent.get(`/students/${b.students[0]!.id}`)).status).toBe(404);
    expect((await parent.get(`/students/${randomUUID()}`)).status).toBe(404);
    expect((await parent.get('/students/not-a-uuid')).status).toBe(400);
    const rows = (await parent.get(`/schools/${a.schoolId}/attendance?date=${day}`)).body as {
      studentId: string;
    }[];
    expect(rows.map((r) => r.studentId)).toEqual([own]);
    expect(
      (await parent.get(`/classes/${a.classId}/students`)).body.map((s: { id: string }) => s.id),
    ).toEqual([own]);
    expect((await parent.get(`/students/${own}/notifications`)).status).toBe(200);
    expect((await parent.get(`/students/${a.students[1]!.id}/notifications`)).status).toBe(404);
    expect((await parent.get('/users')).body.map((u: { username: string }) => u.username)).toEqual([
      'parent.a0',
    ]);
  });

  it('a parent linked through its guardian row sees every child of that guardian, and only them', async () => {
    const g = await server.directory.addGuardian(a.students[1]!.id, {
      name: 'Phụ huynh',
      phone: '0911111111',
    });
    const r = await school.post('/users', {
      username: 'guardian.a1',
      password: 'guardian-password',
      role: 'parent',
      guardianIds: [g.id],
    });
    expect(r.status).toBe(201);
    const p = await login(server, 'guardian.a1', 'guardian-password');
    expect((await p.get('/auth/me')).body.studentIds).toEqual([a.students[1]!.id]);
    expect((await p.get(`/students/${a.students[2]!.id}`)).status).toBe(404);
    const gb = await server.directory.addGuardian(b.students[0]!.id, { name: 'Khác', phone: '0922222222' });
    expect(
      (
        await school.post('/users', {
          username: 'guardian.b0',
          password: 'guardian-password',
          role: 'parent',
          guardianIds: [gb.id],
        })
      ).status,
    ).toBe(404);
  });

  it('writes an audit row when admin or district staff read a school’s attendance', async () => {
    const db = server.app.get(Database);
    const before = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'export.attendance' AND actor = 'user:district.a'`,
    );
    await district.get(`/schools/${a.schoolId}/attendance?date=${day}`);
    const after = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE action = 'export.attendance' AND actor = 'user:district.a'`,
    );
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);
    const audit = (await admin.get('/audit?action=export.attendance&limit=5')).body as {
      actor: string;
      details: { url: string };
    }[];
    expect(audit[0]).toMatchObject({
      actor: 'user:district.a',
      details: { url: `/api/v1/schools/${a.schoolId}/attendance?date=${day}` },
    });
  });

  it('serves the OpenAPI document', async () => {
    const res = await fetch(`${server.httpUrl}/api/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/users',
        '/api/v1/schools',
        '/api/v1/devices',
        '/api/v1/imports/{kind}',
        '/api/v1/audit',
      ]),
    );
    const ui = await fetch(`${server.httpUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
