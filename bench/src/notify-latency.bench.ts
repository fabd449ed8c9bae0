/**
 * tap_to_parent: a TAP line written on a simulated smart terminal's TCP link → the provider's
 * stand-in receiving the parent's message (ZNS `POST /message/template`, or eSMS), through the
 * real gateway (SQLite queue, MQTT), the embedded broker, ingest (PostgreSQL commit, outbox row,
 * `NOTIFY`), the notification worker (claim, policy, consent) and the Zalo channel's HTTP.
 * Offered open-loop at 500 taps/s, each tap a student's first of the day (so each one is a
 * check-in message to their guardian, who consented through the API as a school records it).
 *   Baseline beside it, on the same taps: the `tap` Socket.IO event in a dashboard client (the
 *   same path up to the commit), `tap_to_dashboard_p99_beside_parent`.
 * Everything runs in this one process on a 2-core machine: figures include that contention.
 *   node bench/dist/notify-latency.bench.js [--quick]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { DevicesService } from '@rfid/server';
import { parseGatewayConfig, startGateway } from '@rfid/gateway';
import { createTerminal, type SentEvent, type SimulatedTerminal } from '@rfid/firmware-sim';
import { cardToText, parseCardText, type LiveTap } from '@rfid/protocol';
import { startProviderSims, type ProviderSims } from '@rfid/provider-sim';
import {
  adminToken,
  benchLogger,
  consentAll,
  providerConfig,
  seedBulk,
  startBenchDatabase,
  startBenchServer,
  type SeededStudent,
} from './support.js';
import { percentile, report, round } from './figure.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const RATE = 500;
const PHASE_S = values.quick ? 6 : 20;
const WARMUP = { rate: 50, seconds: 2 };
const TERMINALS = 16;
/** Calls in flight per provider (NOTIFY_LIMITS), as the provider contract would allow. */
const LIMITS = { concurrency: 32, perSecond: 5_000 };

const wallNow = () => performance.timeOrigin + performance.now();

async function dashboardClient(httpUrl: string, schoolId: string): Promise<Socket> {
  const socket = io(httpUrl, { transports: ['websocket'], auth: { token: await adminToken(httpUrl) } });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const reply = await socket.timeout(5000).emitWithAck('join', { schoolId });
  if (!(reply as { ok: boolean }).ok) throw new Error(`join refused: ${JSON.stringify(reply)}`);
  return socket;
}

interface Phase {
  sent: number;
  /** Messages the stand-ins received for this phase's taps / their latencies (ms). */
  parent: number[];
  dashboard: number[];
  /** Taps whose message never arrived within the wait. */
  missing: number;
}

const normal = (card: string) => cardToText(parseCardText(card));

async function runPhase(
  url: string,
  rate: number,
  seconds: number,
  terminals: SimulatedTerminal[],
  students: SeededStudent[],
  socket: Socket,
  sims: ProviderSims,
): Promise<Phase> {
  const total = Math.round(rate * seconds);
  if (students.length < total) throw new Error(`not enough fresh students for ${rate} taps/s`);
  const batch = students.splice(0, total); // fresh cards: each tap a first of the day
  const sentAt = new Map<string, number>();
  const dashboard: number[] = [];
  const onSent = (e: SentEvent) => {
    if (e.what === 'tap' && e.card && !sentAt.has(cardToText(e.card)))
      sentAt.set(cardToText(e.card), wallNow());
  };
  for (const t of terminals) t.events.on('sent', onSent);
  const seenOnDashboard = new Set<string>();
  const onTap = (tap: LiveTap) => {
    const card = normal(tap.card);
    const t0 = sentAt.get(card);
    if (t0 === undefined || seenOnDashboard.has(card)) return;
    seenOnDashboard.add(card);
    dashboard.push(wallNow() - t0);
  };
  socket.on('tap', onTap);
  const before = new Set([...sims.zalo.messages(), ...sims.esms.messages()].map((m) => m.key));
  const started = performance.now();
  const taps: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    taps.push(terminals[i % terminals.length]!.tap(parseCardText(batch[i]!.card)));
  }
  await Promise.all(taps);
  // Every tap's message at a stand-in, or 30 s.
  const until = Date.now() + 30_000;
  const fresh = () => [...sims.zalo.messages(), ...sims.esms.messages()].filter((m) => !before.has(m.key));
  while (fresh().length < total && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  socket.off('tap', onTap);
  for (const t of terminals) t.events.off('sent', onSent);

  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query<{ id: string; card: string }>(
    `SELECT o.id, t.card FROM notification_outbox o JOIN taps t ON t.id = o.tap_id`,
  );
  await c.end();
  const cardOf = new Map(rows.map((r) => [r.id, normal(r.card)]));
  const parent: number[] = [];
  for (const m of fresh()) {
    const card = cardOf.get(m.key);
    const t0 = card ? sentAt.get(card) : undefined;
    if (t0 !== undefined) parent.push(m.at.getTime() - t0);
  }
  return { sent: total, parent, dashboard, missing: total - parent.length };
}

const db = await startBenchDatabase();
try {
  const url = await db.create();
  const [school] = await seedBulk(url, 1, RATE * PHASE_S + WARMUP.rate * WARMUP.seconds + 100);
  const sims = await startProviderSims();
  const server = await startBenchServer(url, {
    ...providerConfig(sims.env),
    notifyQuietHours: null,
    notifyLimits: { zalo: LIMITS, sms: LIMITS },
  });
  const terminals = await Promise.all(
    Array.from({ length: TERMINALS }, (_, i) =>
      createTerminal({
        id: `gate-${i}`,
        kind: 'smart',
        link: { type: 'tcp', host: '127.0.0.1', port: 0 },
        maxInFlight: 16,
        heartbeatMs: 0,
        logger: benchLogger,
      }),
    ),
  );
  const creds = await server.app.get(DevicesService).register(school!.id, 'tap-to-parent bench');
  const gateway = await startGateway(
    parseGatewayConfig({
      schoolId: school!.id,
      gatewayId: creds.gatewayId,
      mqtt: { url: server.mqttUrl, username: creds.mqttUsername, password: creds.mqttPassword },
      dataDir: mkdtempSync(path.join(tmpdir(), 'rfid-bench-gw-')),
      terminals: terminals.map((t) => t.gatewayConfig()),
      logLevel: 'warn',
    }),
    { logger: benchLogger },
  );
  const socket = await dashboardClient(server.httpUrl, school!.id);
  try {
    await consentAll(server.httpUrl, [school!.id]);
    await Promise.all(terminals.map((t) => t.waitForGateway(10_000)));
    const students = [...school!.students];
    // Warm-up (token refresh, connections, JIT), not reported.
    await runPhase(url, WARMUP.rate, WARMUP.seconds, terminals, students, socket, sims);
    const r = await runPhase(url, RATE, PHASE_S, terminals, students, socket, sims);
    const p = (xs: number[], q: number) => round(percentile(xs, q), 1);
    report({
      name: 'tap_to_parent_p99',
      value: p(r.parent, 99),
      unit: 'ms',
      goal: '<= 2000 ms',
      offered: RATE,
      seconds: PHASE_S,
      sent: r.sent,
      received: r.parent.length,
      missing: r.missing,
      p50: p(r.parent, 50),
      p95: p(r.parent, 95),
      max: p(r.parent, 100),
      limits_per_provider: LIMITS,
      note: 'TAP line on the terminal link → the ZNS/eSMS stand-in receiving the message',
    });
    report({
      name: 'tap_to_dashboard_p99_beside_parent',
      value: p(r.dashboard, 99),
      unit: 'ms',
      offered: RATE,
      p50: p(r.dashboard, 50),
      delivered: r.dashboard.length,
      note: 'the same taps → the dashboard’s Socket.IO tap event (the path up to the commit)',
    });
    if (r.missing > 0) process.exitCode = 1;
  } finally {
    socket.disconnect();
    await gateway.stop();
    await Promise.all(terminals.map((t) => t.close()));
    await server.close();
    await sims.stop();
  }
} finally {
  await db.stop();
}
