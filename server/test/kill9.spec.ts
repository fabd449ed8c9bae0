/**
 * Crash safety: the server runs as a child process (the built CLI, `server/dist/main.js`) on the
 * embedded broker; a gateway streams taps and resends what is not acked. The server is killed
 * with SIGKILL in the middle of the stream and started again: every tap is stored exactly once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-db.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { login } from './support/api.js';
import { dataSourceOptions } from '../src/db/data-source.js';
import { DirectoryService } from '../src/directory/directory.service.js';
import { freePort } from '../src/db/embedded-postgres.js';
import { newTapId, toRfc3339, type Tap } from '@rfid/protocol';

const root = path.resolve(import.meta.dirname, '../..');

function startChild(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; httpUrl: string; mqttUrl: string }> {
  const child = spawn(process.execPath, [path.join(root, 'server/dist/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { msg?: string; httpUrl?: string; mqttUrl?: string };
        if (msg.msg === 'listening') resolve({ child, httpUrl: msg.httpUrl!, mqttUrl: msg.mqttUrl! });
      } catch {
        /* a log line */
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 in the middle of a stream', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let child: ChildProcess | null = null;
  let gw: TestGateway | null = null;

  beforeAll(async () => {
    // Build the CLI (incremental: quick when it is up to date, as after `npm test`'s pretest build).
    // Type errors elsewhere in the tree do not stop the emit; only a missing entry point fails here.
    const build = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', path.join(root, 'server')],
      { encoding: 'utf8' },
    );
    if (!existsSync(path.join(root, 'server/dist/main.js')))
      throw new Error(`server build failed: ${build.stdout}${build.stderr}`);
    db = await createTestDatabase();
    ds = await new DataSource(dataSourceOptions(db.url, { poolSize: 2 })).initialize();
  }, 180_000);
  afterAll(async () => {
    await gw?.close();
    if (child) await killHard(child);
    await ds?.destroy();
    await db?.drop();
  });

  it('stores every tap the gateway sent exactly once', async () => {
    const directory = new DirectoryService(ds);
    const district = await directory.createDistrict({ code: 'K9', name: 'Phòng GD&ĐT K9' });
    const school = await directory.createSchool({ districtId: district.id, code: 'K9-1', name: 'TH K9' });
    const klass = await directory.createClass({ schoolId: school.id, name: '1A' });
    const cards: string[] = [];
    for (let i = 0; i < 20; i++) {
      const s = await directory.createStudent({
        schoolId: school.id,
        classId: klass.id,
        studentCode: `K9-${i}`,
        name: `Học sinh ${i}`,
      });
      const card = `em4100:40:05${(0x10000000 + i).toString(16).toUpperCase()}`;
      await directory.enrolCard({ schoolId: school.id, studentId: s.id, card });
      cards.push(card);
    }
    const mqttPort = await freePort();
    const env = {
      DATABASE_URL: db.url,
      MQTT_PORT: String(mqttPort),
      MQTTS_PORT: 'off',
      MQTT_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SERVER_ID: 'kill9',
      ADMIN_PASSWORD: 'kill9-province-operator',
    };
    let run = await startChild(env);
    child = run.child;
    const admin = await login(run, 'admin', 'kill9-province-operator');
    const reg = await fetch(`${run.httpUrl}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({ schoolId: school.id, name: 'Cổng' }),
    });
    const creds = (await reg.json()) as { gatewayId: string; mqttPassword: string };
    // Keeps reconnecting while the server is down.
    gw = await TestGateway.connect(run.mqttUrl, school.id, creds.gatewayId, creds.mqttPassword, {
      reconnectPeriod: 100,
    });

    const total = 3000;
    const start = Date.parse('2026-11-23T06:00:00+07:00');
    const taps: Tap[] = Array.from({ length: total }, (_, i) => {
      const tap: Tap = {
        id: newTapId(),
        terminal: 't1',
        card: cards[i % cards.length]!,
        raw: '',
        at: toRfc3339(new Date(start + i * 500), 'Asia/Ho_Chi_Minh'),
        seq: i,
      };
      gw!.sent.set(tap.id, tap);
      return tap;
    });
    // Stream in messages of 25; kill -9 once about a third is acked, while messages are still flowing.
    let killed = false;
    const publishing = (async () => {
      for (let i = 0; i < total; i += 25) {
        if (gw!.client.connected)
          await gw!.client
            .publishAsync(
              `rfid/v1/${school.id}/${creds.gatewayId}/taps`,
              JSON.stringify({ taps: taps.slice(i, i + 25) }),
              { qos: 1 },
            )
            .catch(() => undefined);
        if (!killed && gw!.acked.size >= total / 3) {
          killed = true;
          await killHard(child!);
        }
      }
    })();
    await publishing;
    expect(killed).toBe(true);
    const ackedBeforeRestart = gw.acked.size;
    expect(ackedBeforeRestart).toBeLessThan(total);
    run = await startChild(env);
    child = run.child;
    // The gateway reconnects and resends whatever was not acked, until everything is.
    await pollUntil(
      async () => {
        if (!gw!.client.connected) return false;
        const missing = gw!.unacked();
        if (missing.length === 0) return true;
        for (let i = 0; i < missing.length; i += 100)
          await gw!.publish(missing.slice(i, i + 100)).catch(() => undefined);
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'all taps acked after restart' },
    );
    const [row] = await ds.query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM taps WHERE gateway_id = $1`,
      [creds.gatewayId],
    );
    expect(row).toEqual({ n: total, d: total });
    const sentIds = new Set(taps.map((t) => t.id));
    const stored = await ds.query(`SELECT id FROM taps WHERE gateway_id = $1`, [creds.gatewayId]);
    expect(stored.every((r: { id: string }) => sentIds.has(r.id))).toBe(true);
    // Each student's day is exactly what its stored taps say: one row, its earliest tap as the arrival.
    const days = await ds.query(
      `SELECT a.first_in_tap_id = (SELECT t.id FROM taps t WHERE t.student_id = a.student_id ORDER BY t.at LIMIT 1) AS earliest
         FROM attendance_days a WHERE a.school_id = $1`,
      [school.id],
    );
    expect(days).toHaveLength(cards.length);
    expect(days.every((d: { earliest: boolean }) => d.earliest)).toBe(true);
  }, 150_000);
});
