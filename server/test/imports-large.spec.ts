/**
 * 50,000 students in one streamed CSV upload (the time is measured by the benchmark, not here):
 * every row lands once, with class, guardian and card (re-import idempotence: imports.spec.ts).
 */
import { startTestServer, type TestServer } from './support/test-server.js';
import { asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { benchImport } from '../src/bench/import-bench.js';

describe('a 50,000-row import', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('imports every row once, streamed, with class, guardian and card', async () => {
    const admin = await asAdmin(server);
    const first = await benchImport(server.httpUrl, admin.token!, Number(process.env.ROWS ?? 50_000), 80);
    expect(first.status).toBe(200);
    expect(first.report).toMatchObject({
      applied: true,
      rows: 50_000,
      errorCount: 0,
      created: { students: 50_000, guardians: 50_000, cards: 50_000 },
    });
    const db = server.app.get(Database);
    const [n] = await db.query<{ students: string; keys: string }>(
      `SELECT (SELECT count(*) FROM students) AS students, (SELECT count(*) FROM card_keys) AS keys`,
    );
    expect(Number(n!.students)).toBe(50_000);
    expect(Number(n!.keys)).toBeGreaterThanOrEqual(50_000);
  }, 120_000);
});
