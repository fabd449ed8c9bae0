import { io as ioClient } from 'socket.io-client';
import {
  startTestServer,
  seedSchool,
  TEST_ADMIN_PASSWORD,
  type SeededSchool,
  type TestServer,
} from './support/test-server.js';
import { ApiClient, asAdmin, login } from './support/api.js';
import { Database } from '../src/db/database.service.js';

describe('auth: login, first admin, tokens, rate limit, users', () => {
  let server: TestServer;
  let admin: ApiClient;
  let a: SeededSchool;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await asAdmin(server);
    a = await seedSchool(server.directory, 2);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates the first admin from ADMIN_PASSWORD, audited, and signs in with a JWT', async () => {
    const db = server.app.get(Database);
    const [u] = await db.query<{ role: string; password_hash: string }>(
      `SELECT role, password_hash FROM users WHERE username = 'admin'`,
    );
    expect(u!.role).toBe('admin');
    expect(u!.password_hash).toMatch(/^\$argon2id\$/);
    expect(u!.password_hash).not.toContain(TEST_ADMIN_PASSWORD);
    const [audit] = await db.query<{ action: string; actor: string }>(
      `SELECT action, actor FROM audit_log WHERE action = 'user.create' AND details->>'firstStart' = 'true'`,
    );
    expect(audit).toEqual({ action: 'user.create', actor: 'system' });
    expect(admin.token!.split('.')).toHaveLength(3);
    const me = await admin.get('/auth/me');
    expect(me.body).toMatchObject({ username: 'admin', role: 'admin' });
  });

  it('answers 401 without a token, with a bad token and for a wrong password; health stays open', async () => {
    const anon = new ApiClient(server.httpUrl, null);
    expect((await anon.get('/auth/me')).status).toBe(401);
    expect((await anon.get('/users')).status).toBe(401);
    const forged = new ApiClient(server.httpUrl, `${admin.token!.slice(0, -4)}AAAA`);
    const r = await forged.get('/auth/me');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ statusCode: 401, error: 'unauthorized' });
    const bad = await anon.post('/auth/login', { username: 'admin', password: 'wrong-password' });
    expect(bad.status).toBe(401);
    expect(bad.body.message).toBe('wrong username or password');
    expect((await anon.post('/auth/login', { username: 'admin' })).status).toBe(400);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
  });

  it('locks a username after 5 failed logins (429), without locking other users', async () => {
    await admin.post('/users', {
      username: 'victim',
      password: 'Nạn-nhân-2026-mk',
      role: 'school',
      schoolId: a.schoolId,
    });
    const anon = new ApiClient(server.httpUrl, null);
    for (let i = 0; i < 5; i++)
      expect((await anon.post('/auth/login', { username: 'victim', password: `nope-${i}` })).status).toBe(
        401,
      );
    const locked = await anon.post('/auth/login', { username: 'victim', password: 'Nạn-nhân-2026-mk' });
    expect(locked.status).toBe(429);
    expect(locked.body.message).toMatch(/try again in \d+ s/);
    expect(
      (await anon.post('/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD })).status,
    ).toBe(200);
  });

  it('validates new users: role fields, duplicate names, and a disabled user loses access at once', async () => {
    expect(
      (
        await admin.post('/users', {
          username: 'x1',
          password: 'short',
          role: 'school',
          schoolId: a.schoolId,
        })
      ).status,
    ).toBe(400);
    const noScope = await admin.post('/users', {
      username: 'xx2',
      password: 'long-enough-now',
      role: 'teacher',
    });
    expect(noScope.status).toBe(400);
    expect(noScope.body.message).toContain('classIds');
    const made = await admin.post('/users', {
      username: 'teacher.a',
      password: 'teacher-pass',
      role: 'teacher',
      classIds: [a.classId],
    });
    expect(made.status).toBe(201);
    expect(
      (
        await admin.post('/users', {
          username: 'Teacher.A',
          password: 'teacher-pass',
          role: 'teacher',
          classIds: [a.classId],
        })
      ).status,
    ).toBe(409);
    const teacher = await login(server, 'teacher.a', 'teacher-pass');
    expect((await teacher.get('/auth/me')).body).toMatchObject({ role: 'teacher', classIds: [a.classId] });
    expect(
      (
        await teacher.post('/users', {
          username: 'parent1',
          password: 'parent-password',
          role: 'parent',
          studentIds: [a.students[0]!.id],
        })
      ).status,
    ).toBe(403);
    expect((await admin.patch(`/users/${made.body.id}`, { active: false })).status).toBe(204);
    expect((await teacher.get('/auth/me')).status).toBe(401);
  });

  it('Socket.IO join needs a token and a school in scope', async () => {
    const b = await seedSchool(server.directory, 1);
    await admin.post('/users', {
      username: 'school.a',
      password: 'school-password',
      role: 'school',
      schoolId: a.schoolId,
    });
    const staff = await login(server, 'school.a', 'school-password');
    const anon = ioClient(server.httpUrl, { transports: ['websocket'] });
    const s = ioClient(server.httpUrl, { transports: ['websocket'], auth: { token: staff.token } });
    try {
      expect(await anon.timeout(5000).emitWithAck('join', { schoolId: a.schoolId })).toMatchObject({
        ok: false,
        error: 'forbidden',
      });
      expect(await s.timeout(5000).emitWithAck('join', { schoolId: a.schoolId })).toEqual({
        ok: true,
        rooms: [`school:${a.schoolId}`],
      });
      expect(await s.timeout(5000).emitWithAck('join', { schoolId: b.schoolId })).toMatchObject({
        ok: false,
      });
      expect(await s.timeout(5000).emitWithAck('join', { classId: b.classId })).toMatchObject({ ok: false });
      expect(await s.timeout(5000).emitWithAck('join', { classId: a.classId })).toMatchObject({ ok: true });
    } finally {
      anon.close();
      s.close();
    }
  });
});
