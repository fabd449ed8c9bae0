/**
 * Throttling that holds across replicas: two server instances on one database (the default
 * PostgreSQL store) share login-failure locks and the API rate limit; windows and locks expire
 * by the injected clock. The same over Redis when it runs on 6379 (skipped otherwise).
 */
import { createConnection } from 'node:net';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';
import { ApiClient, asAdmin } from './support/api.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await new Promise<boolean>((resolve) => {
  const u = new URL(REDIS_URL);
  const s = createConnection({ host: u.hostname, port: Number(u.port || 6379) });
  s.setTimeout(500);
  s.on('connect', () => (s.destroy(), resolve(true)));
  s.on('error', () => resolve(false));
  s.on('timeout', () => (s.destroy(), resolve(false)));
});
if (!redisUp) console.warn(`Redis throttle test skipped: no Redis at ${REDIS_URL}`);
const describeRedis = redisUp ? describe : describe.skip;

const SHARED = { jwtSecret: 'one-secret-for-both-replicas', schedulerIntervalMs: 0 };

async function twoReplicas(
  config: Record<string, unknown>,
  clock: ManualClock,
): Promise<{ db: TestDatabase; a: TestServer; b: TestServer }> {
  const db = await createTestDatabase();
  const a = await startTestServer({ ...SHARED, serverId: 'replica-a', ...config }, { db, clock });
  const b = await startTestServer({ ...SHARED, serverId: 'replica-b', ...config }, { db, clock });
  return { db, a, b };
}

describe('throttling across two replicas on one PostgreSQL', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    ({ db, a, b } = await twoReplicas({ apiRateLimitPerMinute: 30 }, clock));
    const admin = await asAdmin(a);
    const school = await seedSchool(a.directory, 1);
    const made = await admin.post('/users', {
      username: 'thu.ky',
      password: 'Thư-ký-trường-2026',
      role: 'school',
      schoolId: school.schoolId,
    });
    if (made.status !== 201) throw new Error(`user not created: ${made.status}`);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });
  const login = (s: TestServer, password: string) =>
    new ApiClient(s.httpUrl, null).post('/auth/login', { username: 'thu.ky', password });

  it('five failed logins spread over both replicas lock the username on both, until the lock runs out', async () => {
    clock.advance(61_000);
    for (const s of [a, b, a, b]) expect((await login(s, 'sai-mật-khẩu-1')).status).toBe(401);
    expect((await login(a, 'Thư-ký-trường-2026')).status).toBe(200); // a success clears the count
    for (const s of [a, b, a, b, a]) expect((await login(s, 'sai-mật-khẩu-2')).status).toBe(401);
    for (const s of [a, b]) {
      const locked = await login(s, 'Thư-ký-trường-2026');
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ statusCode: 429, error: 'too_many_requests' });
      expect(locked.body.message).toMatch(/try again in \d+ s/);
    }
    clock.advance(61_000);
    expect((await login(b, 'Thư-ký-trường-2026')).status).toBe(200);
  });

  it('the API rate limit is one budget per address across replicas, then 429 with Retry-After', async () => {
    clock.advance(61_000);
    const token = ((await login(a, 'Thư-ký-trường-2026')).body as { accessToken: string }).accessToken; // 1 of 30
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 30; i++) {
      last = await fetch(`${(i % 2 ? a : b).httpUrl}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 29).every((s) => s === 200)).toBe(true);
    expect(statuses[29]).toBe(429);
    expect(last!.headers.get('retry-after-api')).toMatch(/^\d+$/);
    expect(await last!.json()).toMatchObject({ statusCode: 429, error: 'too_many_requests' });
    expect((await fetch(`${a.httpUrl}/healthz`)).status).toBe(200); // outside the API: not limited
    clock.advance(61_000);
    expect(
      (await fetch(`${a.httpUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200); // a minute later the budget is back
  });
});

describeRedis('throttling across two replicas on Redis (REDIS_URL)', () => {
  const clock = new ManualClock('2026-11-23T06:30:00+07:00');
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    ({ db, a, b } = await twoReplicas(
      {
        apiRateLimitPerMinute: 12,
        redisUrl: REDIS_URL,
        throttleKeyPrefix: `test-${randomBytes(4).toString('hex')}`,
      },
      clock,
    ));
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it('shares the API budget and the login lock', async () => {
    const anon = (s: TestServer) => new ApiClient(s.httpUrl, null);
    for (const s of [a, b, a, b, a])
      expect(
        (await anon(s).post('/auth/login', { username: 'admin', password: 'sai-mật-khẩu-1' })).status,
      ).toBe(401);
    expect((await asAdmin(b).catch((e: Error) => e.message)) as string).toMatch(/429/);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await fetch(`${(i % 2 ? a : b).httpUrl}/api/v1/auth/me`)).status);
    expect(statuses.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]); // requests 7–12 of the minute
    expect(statuses.slice(6)).toEqual([429, 429]);
  });
});
