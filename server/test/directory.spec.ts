/** The directory over REST: validated input (4xx naming the field), scoped writes, audit rows. */
import { startTestServer, type TestServer } from './support/test-server.js';
import { asAdmin, login, type ApiClient } from './support/api.js';

describe('directory REST', () => {
  let server: TestServer;
  let admin: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await asAdmin(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates a district, a school with rules, classes, a student and a guardian; each audited', async () => {
    const d = await admin.post('/districts', { code: 'PGD-X', name: 'Phòng GD&ĐT Huyện Ia H\u0027Drai' });
    expect(d.status).toBe(201);
    expect((await admin.post('/districts', { code: 'PGD-X', name: 'again' })).status).toBe(409);
    await admin.post('/users', {
      username: 'pgdx',
      password: 'district-password',
      role: 'district',
      districtId: d.body.id,
    });
    const district = await login(server, 'pgdx', 'district-password');
    expect((await district.post('/districts', { code: 'PGD-Y', name: 'Y' })).status).toBe(403);

    const bad = await district.post('/schools', {
      districtId: d.body.id,
      code: 'X1',
      name: 'TH X',
      timeZone: 'Mars/Olympus',
      onTimeUntil: '7:00',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('timeZone');
    expect(bad.body.message).toContain('onTimeUntil');
    const s = await district.post('/schools', {
      districtId: d.body.id,
      code: 'X1',
      name: 'TH Ia Đal',
      level: 'TH',
      onTimeUntil: '07:15',
      holidays: ['2026-12-24'],
    });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({
      code: 'X1',
      timeZone: 'Asia/Ho_Chi_Minh',
      onTimeUntil: '07:15',
      holidays: ['2026-12-24'],
      schoolDays: [1, 2, 3, 4, 5, 6],
    });
    const rules = await district.patch(`/schools/${s.body.id}`, {
      schoolDays: [1, 2, 3, 4, 5],
      holidays: ['2027-01-01', '2027-02-16'],
      lateUntil: '08:30',
    });
    expect(rules.body).toMatchObject({
      schoolDays: [1, 2, 3, 4, 5],
      holidays: ['2027-01-01', '2027-02-16'],
      lateUntil: '08:30',
    });
    const inverted = await district.patch(`/schools/${s.body.id}`, { lateUntil: '06:00' });
    expect(inverted.status).toBe(400);
    expect((await district.get(`/schools/${s.body.id}`)).body.lateUntil).toBe('08:30'); // nothing half-written

    const k = await district.post(`/schools/${s.body.id}/classes`, { name: 'lớp 1a' });
    expect(k.body).toMatchObject({ name: '1A', grade: 1 });
    expect((await district.post(`/schools/${s.body.id}/classes`, { name: '1A' })).status).toBe(409);
    const st = await district.post('/students', {
      classId: k.body.id,
      studentCode: '8300000001',
      name: 'Y Nhung',
      birthDate: '2019-02-28',
    });
    expect(st.status).toBe(201);
    expect(st.body).toMatchObject({
      name: 'Y Nhung',
      className: '1A',
      birthDate: '2019-02-28',
      guardians: [],
      cards: [],
    });
    expect(
      (
        await district.post('/students', {
          classId: k.body.id,
          studentCode: '8300000002',
          name: 'A',
          birthDate: '2019-02-30',
        })
      ).status,
    ).toBe(400);
    expect(
      (await district.post('/students', { classId: k.body.id, studentCode: '8300000001', name: 'Trùng' }))
        .status,
    ).toBe(409);
    const g = await district.post(`/students/${st.body.id}/guardians`, {
      name: 'A Thuận',
      phone: '+84 912 345 678',
      relation: 'cha',
    });
    expect(g.body).toMatchObject({ phone: '0912345678', channels: ['sms'] });
    expect(
      (await district.post(`/students/${st.body.id}/guardians`, { name: 'X', phone: '123' })).status,
    ).toBe(400);
    const moved = await district.patch(`/students/${st.body.id}`, { name: 'Y Nhung Mới', active: false });
    expect(moved.body).toMatchObject({ name: 'Y Nhung Mới', active: false });
    const actions = ((await admin.get('/audit?limit=100')).body as { action: string; actor: string }[])
      .filter((a) => a.actor === 'user:pgdx')
      .map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'school.create',
        'school.update',
        'class.create',
        'student.create',
        'guardian.create',
        'student.update',
      ]),
    );
    expect(
      (await admin.get('/audit?limit=1000')).body.some(
        (a: { action: string }) => a.action === 'district.create',
      ),
    ).toBe(true);
  });

  it('answers 4xx, never 500, for malformed JSON and wrong types', async () => {
    const res = await fetch(`${server.httpUrl}/api/v1/districts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: '{"code":',
    });
    expect(res.status).toBe(400);
    expect((await admin.post('/students', { classId: 'nope', studentCode: 1, name: null })).status).toBe(400);
    expect((await admin.get('/audit?limit=abc')).status).toBe(400);
    expect((await admin.patch('/users/00000000-0000-4000-8000-000000000000', { active: true })).status).toBe(
      404,
    );
  });
});
