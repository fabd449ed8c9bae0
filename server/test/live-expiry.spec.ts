/**
 * Socket.IO and access-token expiry (issue #16): a socket admitted to a room with an access token
 * is closed by the server when that token expires by the injected clock — not before — and the
 * client gets back in with a refreshed token (the expired one is refused).
 */
import { io as ioClient, type Socket } from 'socket.io-client';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { ApiClient, asAdmin } from './support/api.js';

interface Pair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const TTL_S = 30;
/** The token is issued this long before the socket joins: it has 3 s left when it does. */
const AGE_MS = 27_000;
const LEFT_MS = TTL_S * 1000 - AGE_MS;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live sockets close when their access token expires', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let server: TestServer;
  let a: SeededSchool;
  const sockets: Socket[] = [];
  const anon = () => new ApiClient(server.httpUrl, null);

  function connect(token: string): Socket {
    const s = ioClient(server.httpUrl, { transports: ['websocket'], reconnection: false, auth: { token } });
    sockets.push(s);
    return s;
  }

  beforeAll(async () => {
    server = await startTestServer({ accessTokenTtlSeconds: TTL_S }, { clock });
    const admin = await asAdmin(server);
    a = await seedSchool(server.directory, 1);
    const user = await admin.post('/users', {
      username: 'co.hoa',
      password: 'Cô-Hoà-lớp-6A-2026!',
      role: 'teacher',
      schoolId: a.schoolId,
      classIds: [a.classId],
    });
    if (user.status !== 201) throw new Error(`creating the teacher: ${user.status}`);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
  });

  it('closes the socket at the token expiry, not before; a refreshed token gets back in, the expired one does not', async () => {
    const login = await anon().post<Pair>('/auth/login', {
      username: 'co.hoa',
      password: 'Cô-Hoà-lớp-6A-2026!',
    });
    expect(login.status).toBe(200);
    expect(login.body.expiresIn).toBe(TTL_S);
    clock.advance(AGE_MS);

    const socket = connect(login.body.accessToken);
    const closed = new Promise<{ reason: string; at: number }>((resolve) =>
      socket.on('disconnect', (reason) => resolve({ reason, at: Date.now() })),
    );
    expect(await socket.timeout(5000).emitWithAck('join', { classId: a.classId })).toMatchObject({
      ok: true,
    });
    const joinedAt = Date.now();

    // Half-way through what is left: still open.
    await sleep(LEFT_MS / 2);
    expect(socket.connected).toBe(true);

    let bound: ReturnType<typeof setTimeout> | undefined;
    const end = await Promise.race([
      closed,
      new Promise<null>((resolve) => (bound = setTimeout(() => resolve(null), LEFT_MS + 10_000))),
    ]);
    clearTimeout(bound);
    expect(end).not.toBeNull();
    expect(end!.reason).toBe('io server disconnect');
    // Closed at the expiry (the timer is set just before the join is answered), within a bound.
    expect(end!.at - joinedAt).toBeGreaterThanOrEqual(LEFT_MS - 500);
    expect(end!.at - joinedAt).toBeLessThan(LEFT_MS + 10_000);

    // The clock reaches the expiry too: the old token no longer gets a room; a refreshed one does.
    clock.advance(LEFT_MS);
    const stale = connect(login.body.accessToken);
    expect(await stale.timeout(5000).emitWithAck('join', { classId: a.classId })).toMatchObject({
      ok: false,
      error: 'forbidden',
    });
    const refreshed = await anon().post<Pair>('/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(refreshed.status).toBe(200);
    const again = connect(refreshed.body.accessToken);
    expect(await again.timeout(5000).emitWithAck('join', { classId: a.classId })).toMatchObject({
      ok: true,
    });
    // Its own expiry is a full lifetime away: it stays open meanwhile.
    await sleep(1000);
    expect(again.connected).toBe(true);
  }, 60_000);
});
