/**
 * Sessions (CONTRACT §4, RFC 9700): short access tokens checked for algorithm, key, issuer,
 * audience and expiry by the injected clock; refresh tokens that rotate, stored hashed, whose
 * reuse revokes the family; logout, password, role and scope changes and deactivation taking
 * effect on the next request and on the open Socket.IO connection.
 */
import { createHash, createHmac } from 'node:crypto';
import { io as ioClient, type Socket } from 'socket.io-client';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { ApiClient, asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';

const SECRET = 'jwt-secret-of-the-sessions-test';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function hs256(header: object, payload: object, secret = SECRET): string {
  const body = `${b64(header)}.${b64(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
}

describe('sessions: access tokens, rotating refresh tokens, revocation', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  let admin: ApiClient;
  let a: SeededSchool;
  const anon = () => new ApiClient(server.httpUrl, null);
  const as = (token: string) => new ApiClient(server.httpUrl, token);
  async function signIn(username: string, password: string): Promise<Pair> {
    const r = await anon().post<Pair>('/auth/login', { username, password });
    expect(r.status).toBe(200);
    return r.body;
  }
  /** A socket that joined the school room, and a promise of its disconnection reason. */
  async function liveSocket(
    token: string,
    schoolId: string,
  ): Promise<{ socket: Socket; closed: Promise<string> }> {
    const socket = ioClient(server.httpUrl, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token },
    });
    const closed = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    expect(await socket.timeout(5000).emitWithAck('join', { schoolId })).toMatchObject({ ok: true });
    return { socket, closed };
  }

  beforeAll(async () => {
    server = await startTestServer({ jwtSecret: SECRET }, { clock });
    admin = await asAdmin(server);
    a = await seedSchool(server.directory, 2);
    await admin.post('/users', {
      username: 'hieu.truong',
      password: 'Hiệu-trưởng-2026!',
      role: 'school',
      schoolId: a.schoolId,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('login answers a ≤ 15-minute HS256 access token with iss, aud, sid, and an opaque refresh token stored hashed', async () => {
    const pair = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    expect(pair.expiresIn).toBe(900);
    const header = JSON.parse(Buffer.from(pair.accessToken.split('.')[0]!, 'base64url').toString()) as {
      alg: string;
    };
    expect(header.alg).toBe('HS256');
    const c = claimsOf(pair.accessToken);
    expect(c).toMatchObject({
      iss: 'rfid-attendance',
      aud: 'rfid-attendance-api',
      sid: pair.sessionId,
      role: 'school',
    });
    expect((c.exp as number) - (c.iat as number)).toBe(900);
    expect(c.iat).toBe(Math.floor(clock.now().getTime() / 1000));
    const db = server.app.get(Database);
    const stored = await db.query<{ token_hash: Buffer }>(
      'SELECT token_hash FROM refresh_tokens t JOIN user_sessions s ON s.id = t.session_id WHERE s.id = $1',
      [pair.sessionId],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash.equals(createHash('sha256').update(pair.refreshToken).digest())).toBe(true);
    const dump =
      JSON.stringify(await db.query('SELECT * FROM refresh_tokens')) +
      JSON.stringify(await db.query('SELECT * FROM user_sessions'));
    expect(dump).not.toContain(pair.refreshToken);
  });

  it('refuses alg:none, a wrong key, a wrong issuer or audience, a tampered payload and an expired token', async () => {
    const pair = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    const good = claimsOf(pair.accessToken);
    expect((await as(pair.accessToken).get('/auth/me')).status).toBe(200);
    expect((await as(hs256({ alg: 'HS256', typ: 'JWT' }, good)).get('/auth/me')).status).toBe(200); // the forger's helper is right…
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...good, role: 'admin' })}.`;
    const forged = {
      'alg:none': none,
      'wrong key': hs256({ alg: 'HS256', typ: 'JWT' }, good, 'another-secret-another-secret'),
      'HS512 with the key': (() => {
        const body = `${b64({ alg: 'HS512', typ: 'JWT' })}.${b64(good)}`;
        return `${body}.${createHmac('sha512', SECRET).update(body).digest('base64url')}`;
      })(),
      'wrong issuer': hs256({ alg: 'HS256', typ: 'JWT' }, { ...good, iss: 'someone-else' }),
      'wrong audience': hs256({ alg: 'HS256', typ: 'JWT' }, { ...good, aud: 'another-api' }),
      'no session': hs256({ alg: 'HS256', typ: 'JWT' }, { ...good, sid: undefined }),
      'tampered payload': `${pair.accessToken.split('.')[0]}.${b64({ ...good, role: 'admin', sub: good.sub })}.${pair.accessToken.split('.')[2]}`,
    };
    for (const [what, token] of Object.entries(forged)) {
      const r = await as(token).get('/auth/me');
      expect({ what, status: r.status }).toEqual({ what, status: 401 });
    }
    clock.advance(15 * 60_000 + 1000);
    try {
      const r = await as(pair.accessToken).get('/auth/me');
      expect(r.status).toBe(401);
      expect(r.body.message).toMatch(/expired/);
      // …while the refresh token still gives a new pair.
      const next = await anon().post<Pair>('/auth/refresh', { refreshToken: pair.refreshToken });
      expect(next.status).toBe(200);
      expect((await as(next.body.accessToken).get('/auth/me')).status).toBe(200);
    } finally {
      clock.advance(-(15 * 60_000 + 1000));
    }
  });

  it('a refresh rotates the token; presenting a spent one again revokes the whole family', async () => {
    const first = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    const second = (await anon().post<Pair>('/auth/refresh', { refreshToken: first.refreshToken })).body;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    const third = (await anon().post<Pair>('/auth/refresh', { refreshToken: second.refreshToken })).body;
    expect((await as(third.accessToken).get('/auth/me')).status).toBe(200);
    // The attacker replays the first (spent) token: refused, and the session is over for everyone.
    const replay = await anon().post('/auth/refresh', { refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    expect((await anon().post('/auth/refresh', { refreshToken: third.refreshToken })).status).toBe(401);
    expect((await as(third.accessToken).get('/auth/me')).status).toBe(401);
    const [audit] = await server.app
      .get(Database)
      .query<{ details: { reason: string } }>(
        `SELECT details FROM audit_log WHERE action = 'session.revoke' ORDER BY id DESC LIMIT 1`,
      );
    expect(audit!.details.reason).toBe('refresh_reuse');
    expect((await anon().post('/auth/refresh', { refreshToken: 'x'.repeat(43) })).status).toBe(401);
    expect((await anon().post('/auth/refresh', {})).status).toBe(400);
  });

  it('a refresh token expires by the clock', async () => {
    const pair = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    clock.advance(7 * 24 * 3600_000 + 1000);
    try {
      expect((await anon().post('/auth/refresh', { refreshToken: pair.refreshToken })).status).toBe(401);
    } finally {
      clock.advance(-(7 * 24 * 3600_000 + 1000));
    }
  });

  it('logout ends the session on the next request and closes its open socket; other sessions go on', async () => {
    const phone = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    const laptop = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    const live = await liveSocket(phone.accessToken, a.schoolId);
    const other = await liveSocket(laptop.accessToken, a.schoolId);
    const sessions = await as(laptop.accessToken).get<{ id: string; current: boolean }[]>('/auth/sessions');
    expect(sessions.body.map((s) => s.id)).toEqual(
      expect.arrayContaining([phone.sessionId, laptop.sessionId]),
    );
    expect(sessions.body.find((s) => s.id === laptop.sessionId)!.current).toBe(true);
    expect((await anon().post('/auth/logout', { refreshToken: phone.refreshToken })).status).toBe(204);
    expect(await live.closed).toBe('io server disconnect');
    expect((await as(phone.accessToken).get('/auth/me')).status).toBe(401);
    expect((await anon().post('/auth/refresh', { refreshToken: phone.refreshToken })).status).toBe(401);
    expect((await as(laptop.accessToken).get('/auth/me')).status).toBe(200);
    expect(other.socket.connected).toBe(true);
    // Ending one's own session from the list; another user's session is not found.
    expect(
      (
        await as(laptop.accessToken).delete(
          `/auth/sessions/${(await signIn('hieu.truong', 'Hiệu-trưởng-2026!')).sessionId}`,
        )
      ).status,
    ).toBe(204);
    expect(
      (await as(laptop.accessToken).delete(`/auth/sessions/${admin.token ? claimsOf(admin.token).sid : ''}`))
        .status,
    ).toBe(404);
    expect((await as(laptop.accessToken).delete('/auth/sessions/not-a-uuid')).status).toBe(404);
    // Logout by bearer token alone.
    expect((await as(laptop.accessToken).post('/auth/logout', {})).status).toBe(204);
    expect(await other.closed).toBe('io server disconnect');
    expect((await as(laptop.accessToken).get('/auth/me')).status).toBe(401);
    expect((await anon().post('/auth/logout', {})).status).toBe(401);
  });

  it('a role change (PATCH /users/{id}) takes effect on the next request and closes the open socket', async () => {
    const made = await admin.post('/users', {
      username: 'co.giao.lan',
      password: 'Cô-giáo-Lan-6A!',
      role: 'teacher',
      classIds: [a.classId],
    });
    expect(made.status).toBe(201);
    const staff = await signIn('co.giao.lan', 'Cô-giáo-Lan-6A!');
    const socket = ioClient(server.httpUrl, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: staff.accessToken },
    });
    const closed = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    expect(await socket.timeout(5000).emitWithAck('join', { classId: a.classId })).toMatchObject({
      ok: true,
    });
    expect(
      (await as(staff.accessToken).get(`/schools/${a.schoolId}/attendance?date=2026-11-23`)).status,
    ).toBe(200);
    const principal = await signIn('hieu.truong', 'Hiệu-trưởng-2026!');
    // A school user may make the teacher a school user of their own school, not of another.
    const b = await seedSchool(server.directory, 1);
    expect(
      (
        await as(principal.accessToken).patch(`/users/${made.body.id}`, {
          role: 'school',
          schoolId: b.schoolId,
        })
      ).status,
    ).toBe(404);
    expect((await as(principal.accessToken).patch(`/users/${made.body.id}`, { role: 'admin' })).status).toBe(
      403,
    );
    expect((await as(principal.accessToken).patch(`/users/${made.body.id}`, { role: 'nobody' })).status).toBe(
      400,
    );
    expect(
      (await as(staff.accessToken).patch(`/users/${made.body.id}`, { role: 'school', schoolId: a.schoolId }))
        .status,
    ).toBe(403);
    expect(socket.connected).toBe(true);
    expect(
      (
        await as(principal.accessToken).patch(`/users/${made.body.id}`, {
          role: 'parent',
          studentIds: [a.students[0]!.id],
        })
      ).status,
    ).toBe(204);
    expect(await closed).toBe('io server disconnect');
    expect((await as(staff.accessToken).get('/auth/me')).status).toBe(401);
    expect((await anon().post('/auth/refresh', { refreshToken: staff.refreshToken })).status).toBe(401);
    const again = await signIn('co.giao.lan', 'Cô-giáo-Lan-6A!');
    expect((await as(again.accessToken).get('/auth/me')).body).toMatchObject({
      role: 'parent',
      classIds: [],
      studentIds: [a.students[0]!.id],
    });
    expect(
      (await as(again.accessToken).get(`/schools/${a.schoolId}/attendance?date=2026-11-23`)).status,
    ).toBe(200); // partial: own child only
    // A scope change alone also ends the sessions.
    expect((await admin.patch(`/users/${made.body.id}`, { studentIds: [a.students[1]!.id] })).status).toBe(
      204,
    );
    expect((await as(again.accessToken).get('/auth/me')).status).toBe(401);
    const [audit] = await server.app
      .get(Database)
      .query<{ details: { from: { role: string }; to: { role: string } } }>(
        `SELECT details FROM audit_log WHERE action = 'user.update' AND entity_id = $1 AND details ? 'from' ORDER BY id LIMIT 1`,
        [made.body.id],
      );
    expect(audit!.details).toMatchObject({ from: { role: 'teacher' }, to: { role: 'parent' } });
    socket.close();
  });

  it('a password change ends the other sessions (an admin’s change ends all); deactivation ends all', async () => {
    await admin.post('/users', {
      username: 'ke.toan',
      password: 'Kế-toán-trường-A',
      role: 'school',
      schoolId: a.schoolId,
    });
    const one = await signIn('ke.toan', 'Kế-toán-trường-A');
    const two = await signIn('ke.toan', 'Kế-toán-trường-A');
    const me = (await as(one.accessToken).get('/auth/me')).body as { userId: string };
    expect(
      (await as(one.accessToken).patch(`/users/${me.userId}`, { password: 'Mật-khẩu-mới-2026' })).status,
    ).toBe(204);
    expect((await as(one.accessToken).get('/auth/me')).status).toBe(200);
    expect((await as(two.accessToken).get('/auth/me')).status).toBe(401);
    expect((await anon().post('/auth/refresh', { refreshToken: two.refreshToken })).status).toBe(401);
    expect((await admin.patch(`/users/${me.userId}`, { password: 'Mật-khẩu-khác-2027' })).status).toBe(204);
    expect((await as(one.accessToken).get('/auth/me')).status).toBe(401);
    const three = await signIn('ke.toan', 'Mật-khẩu-khác-2027');
    expect((await admin.patch(`/users/${me.userId}`, { active: false })).status).toBe(204);
    expect((await as(three.accessToken).get('/auth/me')).status).toBe(401);
    expect((await anon().post('/auth/refresh', { refreshToken: three.refreshToken })).status).toBe(401);
    expect(
      (await anon().post('/auth/login', { username: 'ke.toan', password: 'Mật-khẩu-khác-2027' })).status,
    ).toBe(401);
  });
});
