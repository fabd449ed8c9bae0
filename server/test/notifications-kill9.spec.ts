/**
 * Sent once across a crash: the server (the built CLI as a child process) is killed with SIGKILL
 * while the provider has accepted messages and before the server could record that. After a restart
 * the expired leases are claimed again and the messages re-sent with the same notification id,
 * which the receiver (like the real providers) dedupes: every parent gets each message once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { DataSource } from 'typeorm';
import { zonedTime } from '@rfid/protocol';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';
import { pollUntil } from './support/poll.js';
import { dataSourceOptions } from '../src/db/data-source.js';
import { DirectoryService } from '../src/directory/directory.service.js';
import { freePort } from '../src/db/embedded-postgres.js';

const root = path.resolve(import.meta.dirname, '../..');

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'server/dist/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"msg":"listening"') || line.includes('"msg":"server ready"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 between the provider’s acceptance and our update', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let child: ChildProcess | null = null;
  const requests = new Map<string, number>();
  let killAt = Infinity;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-notification-id']);
      requests.set(id, (requests.get(id) ?? 0) + 1); // accepted (the provider has it) …
      const total = [...requests.values()].reduce((a, n) => a + n, 0);
      if (total >= killAt && child) {
        killAt = Infinity;
        void killHard(child); // … and the server dies before it hears so
        return;
      }
      res.writeHead(200).end('{}');
    });
  });

  beforeAll(async () => {
    const build = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', path.join(root, 'server')],
      { encoding: 'utf8' },
    );
    if (!existsSync(path.join(root, 'server/dist/main.js')))
      throw new Error(`server build failed: ${build.stdout}${build.stderr}`);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, { poolSize: 2 })).initialize();
  }, 240_000);
  afterAll(async () => {
    if (child) await killHard(child);
    await new Promise((r) => receiver.close(r));
    await ds?.destroy();
    await db?.drop();
  });

  it('every message reaches its receiver once (deduped on X-Notification-Id), none lost', async () => {
    const directory = new DirectoryService(ds);
    const district = await directory.createDistrict({ code: 'N9', name: 'Phòng GD&ĐT N9' });
    const school = await directory.createSchool({ districtId: district.id, code: 'N9-1', name: 'TH N9' });
    const klass = await directory.createClass({ schoolId: school.id, name: '1A' });
    const now = new Date();
    const today = zonedTime(now, 'Asia/Ho_Chi_Minh').date;
    const n = 60;
    for (let i = 0; i < n; i++) {
      const s = await directory.createStudent({
        schoolId: school.id,
        classId: klass.id,
        studentCode: `N9-${i}`,
        name: `Học sinh ${i}`,
      });
      const g = await directory.addGuardian(s.id, {
        name: `Phụ huynh ${i}`,
        phone: `0913000${String(i).padStart(3, '0')}`,
        channels: ['webhook'],
      });
      await ds.query(
        `INSERT INTO notification_consents (guardian_id, channel, granted, at, method) VALUES ($1, 'webhook', true, $2, 'paper_form')`,
        [g.id, new Date(now.getTime() - 86_400_000)],
      );
    }
    const port = (receiver.address() as AddressInfo).port;
    await ds.query(
      `INSERT INTO school_webhooks (school_id, url, secret, created_at) VALUES ($1, $2, 'kill9-webhook-secret-0042', now())`,
      [school.id, `http://127.0.0.1:${port}/hook`],
    );
    const env = {
      DATABASE_URL: db.url,
      MQTT_PORT: String(await freePort()),
      MQTTS_PORT: 'off',
      MQTT_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SERVER_ID: 'notify-kill9',
      ADMIN_PASSWORD: 'kill9-notify-operator-pw',
      NOTIFY_QUIET_HOURS: 'none',
      NOTIFY_LEASE_MS: '1500',
      NOTIFY_BATCH: '20',
    };
    // The server dies on the 25th accepted message.
    killAt = 25;
    child = await startChild(env);
    await ds.query(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, event, event_at)
       SELECT s.id, s.school_id, $2::date, sg.guardian_id, 'check_in', $3 FROM students s JOIN student_guardians sg ON sg.student_id = s.id WHERE s.school_id = $1`,
      [school.id, today, now],
    );
    await pollUntil(() => child!.exitCode !== null || child!.signalCode !== null, {
      timeoutMs: 60_000,
      what: 'the server killed',
    });
    const beforeRestart = await ds.query(
      `SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'sent'`,
    );
    expect(beforeRestart[0].n).toBeLessThan(n); // some accepted messages were not recorded
    child = await startChild(env);
    await pollUntil(
      async () =>
        (await ds.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'sent'`))[0].n ===
        n,
      { timeoutMs: 60_000, what: 'all sent after restart' },
    );
    const ids = (await ds.query(`SELECT id FROM notification_outbox`)).map((r: { id: string }) => r.id);
    expect(ids).toHaveLength(n);
    expect(new Set(requests.keys())).toEqual(new Set(ids)); // none lost, nothing unknown
    // Messages in flight at the crash were asked for again, with the same id: the receiver shows each once.
    expect([...requests.values()].some((c) => c > 1)).toBe(true);
  }, 180_000);
});
