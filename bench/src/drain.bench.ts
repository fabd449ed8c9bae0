/**
 * drain: a gateway comes back after a weekend offline holding 100,000 taps in its SQLite queue;
 * seconds until the server has committed and acked them all (real gateway, real broker, real
 * PostgreSQL). Beside it, in the same run: the gateway's own durable store rate (taps/s into the
 * queue with fsync per group commit) that filled the backlog.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DevicesService } from '@rfid/server';
import { parseGatewayConfig, SqliteTapQueue, startGateway, type NewTap } from '@rfid/gateway';
import { makeTaps, benchLogger, seedBulk, startBenchDatabase, startBenchServer } from './support.js';
import { report, round } from './figure.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const TOTAL = values.quick ? 20_000 : 100_000;

const db = await startBenchDatabase();
try {
  const url = await db.create();
  const [school] = await seedBulk(url, 1, 2_500);
  const server = await startBenchServer(url);
  try {
    const creds = await server.app.get(DevicesService).register(school!.id, 'drain bench');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-bench-gw-'));

    // The backlog: three school days of taps, stored while the link was down.
    const queue = new SqliteTapQueue(path.join(dataDir, 'queue.sqlite'));
    const days = ['2026-11-20', '2026-11-21', '2026-11-23'];
    const storeStarted = performance.now();
    for (const [d, day] of days.entries()) {
      const share =
        d < days.length - 1
          ? Math.floor(TOTAL / days.length)
          : TOTAL - Math.floor(TOTAL / days.length) * (days.length - 1);
      const taps = makeTaps(school!, share, { day, unknownRate: 0.01 });
      for (let i = 0; i < taps.length; i += 1000) {
        queue.appendMany(
          taps.slice(i, i + 1000).map((t): NewTap => ({
            id: t.id,
            terminal: t.terminal,
            card: t.card,
            raw: t.raw,
            at: t.at,
            direction: 'in',
            answer: 'OK',
            text: '',
            storedAtMs: Date.now(),
          })),
        );
      }
    }
    const storeRate = TOTAL / ((performance.now() - storeStarted) / 1000);
    queue.close();

    const config = parseGatewayConfig({
      schoolId: school!.id,
      gatewayId: creds.gatewayId,
      mqtt: { url: server.mqttUrl, username: creds.mqttUsername, password: creds.mqttPassword },
      dataDir,
      logLevel: 'warn',
    });
    const started = performance.now();
    const gateway = await startGateway(config, { logger: benchLogger });
    await new Promise<void>((resolve) => {
      const check = () => {
        if (gateway.status().queue.depth === 0) resolve();
      };
      gateway.on('acked', check);
      check();
    });
    const seconds = (performance.now() - started) / 1000;
    await gateway.stop();

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM taps`,
    );
    await c.end();
    const stored = Number(rows[0]!.n);
    report({
      name: 'drain_100k',
      value: round(seconds, 2),
      unit: 's',
      taps: TOTAL,
      stored,
      duplicates: stored - Number(rows[0]!.ids),
      rate: Math.round(TOTAL / seconds),
      goal: '<= 30 s',
    });
    report({
      name: 'gateway_store',
      value: Math.round(storeRate),
      unit: 'taps/s',
      note: 'SQLite WAL synchronous=FULL, 1,000 taps per commit',
    });
    if (stored !== TOTAL) {
      process.stderr.write(`drain: ${stored} taps stored, expected ${TOTAL}\n`);
      process.exitCode = 1;
    }
  } finally {
    await server.close();
  }
} finally {
  await db.stop();
}
