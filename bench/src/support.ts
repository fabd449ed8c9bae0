/**
 * What the benchmarks share: a PostgreSQL (DATABASE_URL, or an embedded one in a temp dir) with a
 * fresh migrated database per figure, bulk seeding by SQL (seeding is not what is measured), and
 * MQTT clients acting as gateways.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { DEFAULT_TIME_ZONE, makeCardId, newTapId, toRfc3339, topicFor, type Tap } from '@rfid/protocol';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { InboxEntry } from '@rfid/provider-sim';
import {
  createServer,
  freePort,
  openDirectory,
  runMigrations,
  startEmbeddedPostgres,
  type RunningServer,
  type ServerConfig,
} from '@rfid/server';

export const benchLogger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

export const BENCH_ADMIN_PASSWORD = 'bench-province-operator';

/** The whole server in this process on free ports (embedded broker unless `mqttUrl` is given). */
export async function startBenchServer(
  databaseUrl: string,
  extra: Partial<ServerConfig> = {},
): Promise<RunningServer> {
  return createServer(
    {
      databaseUrl,
      httpPort: 0,
      httpHost: '127.0.0.1',
      mqttHost: '127.0.0.1',
      mqttPort: extra.mqttUrl ? undefined : await freePort(),
      mqttsPort: null, // TLS is measured by its own tests, not the benches
      logLevel: 'warn',
      adminPassword: BENCH_ADMIN_PASSWORD,
      dataDir: mkdtempSync(path.join(tmpdir(), 'rfid-bench-')),
      ...extra,
    },
    { logger: benchLogger },
  );
}

/** The server's config pointing at provider-sim's stand-ins (the §6 variables, as config keys). */
export function providerConfig(e: Record<string, string>): Partial<ServerConfig> {
  return {
    zaloAppId: e.ZALO_APP_ID,
    zaloAppSecret: e.ZALO_APP_SECRET,
    zaloRefreshToken: e.ZALO_REFRESH_TOKEN,
    zaloTemplates: JSON.parse(e.ZALO_TEMPLATES!) as Record<string, string>,
    zaloZnsUrl: e.ZALO_ZNS_URL!,
    zaloOauthUrl: e.ZALO_OAUTH_URL!,
    smsProvider: 'esms',
    esmsApiKey: e.ESMS_API_KEY,
    esmsSecretKey: e.ESMS_SECRET_KEY,
    esmsBrandname: e.ESMS_BRANDNAME,
    esmsUrl: e.ESMS_URL!,
  };
}

/** provider-sim's stand-ins in a process of their own (`provider-sim/dist/cli.js`), as the real providers are elsewhere. */
export interface ProviderSimsProcess {
  env: Record<string, string>;
  zaloUrl: string;
  esmsUrl: string;
  /** Everything the stand-ins received, one entry per idempotency key (`/inbox.json`). */
  inbox(): Promise<InboxEntry[]>;
  stop(): Promise<void>;
}

export async function startProviderSimsProcess(): Promise<ProviderSimsProcess> {
  const cli = path.resolve(import.meta.dirname, '..', '..', 'provider-sim', 'dist', 'cli.js');
  const child = spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`provider-sim exited (${code}) before it was ready`)));
  });
  const ready = JSON.parse(line) as {
    inbox: string;
    zalo: string;
    esms: string;
    env: Record<string, string>;
  };
  return {
    env: ready.env,
    zaloUrl: ready.zalo,
    esmsUrl: ready.esms,
    inbox: async () => (await (await fetch(`${ready.inbox}/inbox.json`)).json()) as InboxEntry[],
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Consent of every guardian of `schoolIds` to Zalo and SMS, recorded as a school does (the API, `paper_form`). */
export async function consentAll(httpUrl: string, schoolIds: string[]): Promise<void> {
  const token = await adminToken(httpUrl);
  for (const id of schoolIds) {
    const res = await fetch(`${httpUrl}/api/v1/schools/${id}/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ channels: ['zalo', 'sms'], granted: true, method: 'paper_form', note: 'bench' }),
    });
    if (!res.ok) throw new Error(`consent for school ${id}: ${res.status} ${await res.text()}`);
  }
}

/** A bearer token of the bench's admin (a dashboard's login). */
export async function adminToken(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: BENCH_ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

export interface BenchDatabase {
  /** A fresh, migrated database; dropped by `stop()`. */
  create(): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'rfid-bench-pg-'));
    const embedded = await startEmbeddedPostgres({ dir, log: benchLogger });
    adminUrl = embedded.adminUrl;
    stopEmbedded = embedded.stop;
  }
  const created: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    async create() {
      const name = `rfid_bench_${randomBytes(4).toString('hex')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      await runMigrations(u.toString());
      return u.toString();
    },
    async stop() {
      await admin(async (c) => {
        for (const name of created) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }).catch(() => undefined);
      await stopEmbedded?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SeededStudent {
  id: string;
  card: string;
}
export interface SeededSchool {
  id: string;
  code: string;
  students: SeededStudent[];
}

/**
 * Schools with `perSchool` students each, every one with an active 40-bit EM4100 card and its
 * keys and one guardian told by Zalo (and SMS for every third): a check-in writes outbox rows.
 * Written through the server's `DirectoryService` batched methods (its rules and card keys).
 */
export async function seedBulk(url: string, schools: number, perSchool: number): Promise<SeededSchool[]> {
  const { directory, close } = await openDirectory(url);
  try {
    const tag = randomBytes(3).toString('hex');
    const district = await directory.createDistrict({ code: `B${tag}`, name: 'Phòng GD&ĐT Bench' });
    const out: SeededSchool[] = [];
    for (let s = 0; s < schools; s++) {
      const code = `B${tag}${s}`;
      const school = await directory.createSchool({ districtId: district.id, code, name: `THCS Bench ${s}` });
      const klass = await directory.createClass({ schoolId: school.id, name: '6A', grade: 6 });
      const names = Array.from({ length: perSchool }, (_, i) => `Học sinh ${s}-${i}`);
      const students = await directory.createStudents(
        names.map((name, i) => ({
          schoolId: school.id,
          classId: klass.id,
          studentCode: `${code}-${i}`,
          name,
        })),
      );
      const cards = students.map((_, i) =>
        makeCardId('em4100', 40, (0x0500000000 + s * 0x01000000 + i).toString(16)),
      );
      await directory.enrolCards(
        students.map((st, i) => ({ schoolId: school.id, studentId: st.id, card: cards[i]! })),
      );
      await directory.addGuardians(
        students.map((st, i) => ({
          studentId: st.id,
          guardian: {
            name: `Phụ huynh ${names[i]}`,
            phone: `09${String(((i + 1) * 7919) % 100_000_000).padStart(8, '0')}`,
            channels: (i + 1) % 3 === 0 ? ['zalo', 'sms'] : ['zalo'],
            relation: 'mẹ',
          },
        })),
      );
      out.push({
        id: school.id,
        code,
        students: students.map((r, i) => ({ id: r.id, card: `em4100:40:${cards[i]!.hex}` })),
      });
    }
    return out;
  } finally {
    await close();
  }
}

/**
 * Let the database finish what earlier work left it (dirty pages, dead tuples, stale statistics)
 * before a figure is measured, so neither a figure nor its baseline pays for the one before.
 */
export async function settle(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('VACUUM (ANALYZE) taps, attendance_days, notification_outbox');
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

/** `n` taps of a school's students over a morning, in seq order; `unknownRate` of them unknown cards. */
export function makeTaps(
  school: SeededSchool,
  n: number,
  opts: { startSeq?: number; day?: string; unknownRate?: number } = {},
): Tap[] {
  const day = opts.day ?? '2026-11-23';
  const start = new Date(`${day}T06:15:00+07:00`).getTime();
  const taps: Tap[] = [];
  for (let i = 0; i < n; i++) {
    const student = school.students[i % school.students.length]!;
    const unknown = opts.unknownRate && (i * 7919) % 1000 < opts.unknownRate * 1000;
    taps.push({
      id: newTapId(),
      terminal: 'gate-1',
      card: unknown
        ? `em4100:40:FF${(i % 0xffffffff).toString(16).toUpperCase().padStart(8, '0')}`
        : student.card,
      raw: 'bench',
      at: toRfc3339(new Date(start + Math.floor((i * 45 * 60_000) / n)), DEFAULT_TIME_ZONE),
      seq: (opts.startSeq ?? 0) + i,
      direction: 'in',
    });
  }
  return taps;
}

export async function connectGateway(
  url: string,
  username: string,
  password: string,
  clientId = username,
): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    username,
    password,
    clientId,
    clean: true,
    reconnectPeriod: 1000,
    protocolVersion: 4,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Publish `taps` in messages of `batch`, resolve when every id came back on …/acks. */
export async function publishAndAwaitAcks(
  client: MqttClient,
  schoolId: string,
  gatewayId: string,
  taps: Tap[],
  batch: number,
  opts: { window?: number } = {},
): Promise<{ ms: number; acked: number }> {
  const pending = new Set(taps.map((t) => t.id));
  const ackTopic = topicFor(schoolId, gatewayId, 'acks');
  const tapTopic = topicFor(schoolId, gatewayId, 'taps');
  await client.subscribeAsync(ackTopic, { qos: 1 });
  const started = performance.now();
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  let windowWaiter: (() => void) | null = null;
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic !== ackTopic) return;
    for (const id of (JSON.parse(payload.toString()) as { ids: string[] }).ids) pending.delete(id);
    windowWaiter?.();
    if (pending.size === 0) resolveAll();
  };
  client.on('message', onMessage);
  // Like a gateway draining: bounded taps in flight (window of messages awaiting their ack).
  const window = (opts.window ?? 8) * batch;
  for (let i = 0; i < taps.length; i += batch) {
    while (i - (taps.length - pending.size) >= window) {
      await new Promise<void>((r) => (windowWaiter = r));
      windowWaiter = null;
    }
    client.publish(tapTopic, JSON.stringify({ taps: taps.slice(i, i + batch) }), { qos: 1 });
  }
  await all;
  client.off('message', onMessage);
  return { ms: performance.now() - started, acked: taps.length };
}

export function isReachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return import('node:net').then(
    ({ connect }) =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host, port });
        const done = (ok: boolean) => {
          s.destroy();
          resolve(ok);
        };
        s.setTimeout(timeoutMs, () => done(false));
        s.once('connect', () => done(true));
        s.once('error', () => done(false));
      }),
  );
}
