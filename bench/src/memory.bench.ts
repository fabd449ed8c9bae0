/**
 * memory: resident memory of one server process (a child, measured from /proc) idle, then with
 * 10,000 gateways connected to its embedded broker and idle, then with 2,000 Socket.IO dashboards
 * connected and joined to their school rooms. The idle figure is the baseline in the same run.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { freePort, hashGatewaySecret } from '@rfid/server';
import { seedBulk, startBenchDatabase, BENCH_ADMIN_PASSWORD, adminToken } from './support.js';
import { report, round } from './figure.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const GATEWAYS = values.quick ? 1_000 : 10_000;
const DASHBOARDS = values.quick ? 200 : 2_000;
const root = path.resolve(import.meta.dirname, '..', '..');

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 3000));
}

async function inWaves<T>(n: number, wave: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += wave)
    out.push(...(await Promise.all(Array.from({ length: Math.min(wave, n - i) }, (_, j) => make(i + j)))));
  return out;
}

const db = await startBenchDatabase();
try {
  const url = await db.create();
  const schools = await seedBulk(url, 20, 50);
  // 10,000 registered gateways, spread over the schools (as POST /api/v1/devices would make them).
  const secret = 'bench-gateway-secret-0123456789';
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const ids = Array.from({ length: GATEWAYS }, (_, i) => `gw-bench-${i}`);
  await c.query(
    `INSERT INTO gateways (id, school_id, name, secret_hash) SELECT id, sid, id, $3 FROM unnest($1::text[], $2::uuid[]) AS t(id, sid)`,
    [ids, ids.map((_, i) => schools[i % schools.length]!.id), hashGatewaySecret(secret)],
  );
  await c.end();

  const httpPort = await freePort();
  const mqttPort = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'server/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      HTTP_PORT: String(httpPort),
      MQTT_PORT: String(mqttPort),
      MQTTS_PORT: 'off',
      LOG_LEVEL: 'warn',
      ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rfid-bench-')),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${httpUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 240) throw new Error('server did not become ready');
      await new Promise((r) => setTimeout(r, 250));
    }
    await settle();
    const idle = rssMb(child.pid!);

    clients.push(
      ...(await inWaves(GATEWAYS, 250, (i) => {
        const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
          clientId: ids[i]!,
          username: ids[i]!,
          password: secret,
          clean: true,
          keepalive: 60,
          reconnectPeriod: 0,
        });
        return new Promise<MqttClient>((resolve, reject) => {
          client.once('connect', () => resolve(client));
          client.once('error', reject);
        });
      })),
    );
    await settle();
    const withGateways = rssMb(child.pid!);

    const token = await adminToken(httpUrl);
    sockets.push(
      ...(await inWaves(DASHBOARDS, 200, async (i) => {
        const s = io(httpUrl, {
          transports: ['websocket'],
          auth: { token },
          reconnection: false,
          forceNew: true,
        });
        await new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('connect_error', reject);
        });
        await s.timeout(10_000).emitWithAck('join', { schoolId: schools[i % schools.length]!.id });
        return s;
      })),
    );
    await settle();
    const withDashboards = rssMb(child.pid!);

    report({ name: 'server_rss_idle', value: round(idle, 1), unit: 'MiB' });
    report({
      name: 'server_rss_10k_gateways',
      value: round(withGateways, 1),
      unit: 'MiB',
      gateways: GATEWAYS,
      per_gateway_kib: round(((withGateways - idle) * 1024) / GATEWAYS, 1),
      vs_idle: round(withGateways / idle, 2),
    });
    report({
      name: 'server_rss_2k_dashboards',
      value: round(withDashboards, 1),
      unit: 'MiB',
      dashboards: DASHBOARDS,
      gateways: GATEWAYS,
      per_dashboard_kib: round(((withDashboards - withGateways) * 1024) / DASHBOARDS, 1),
    });
  } finally {
    for (const s of sockets) s.disconnect();
    await Promise.all(clients.map((cl) => cl.endAsync(true)));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
} finally {
  await db.stop();
}
