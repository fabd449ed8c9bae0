/**
 * staff_alerts: the cost of one staff-alerts evaluation (`StaffAlertsService.evaluate`, run every
 * scheduler tick) on a province-sized state, at a Monday 06:40 (inside the morning window):
 * 12 districts × 30 schools, 3 gateways each; two districts' links down (180 gateways in 60
 * schools) plus 60 terminals down elsewhere and 120 behind the down gateways; 600 taps per school
 * in the last 30 minutes, 2 % of them unknown cards, one of those per school a card marked lost.
 *   staff_alerts_first_ms: the evaluation that announces all of it (60 grouped alerts, 60 terminal
 *     alerts, 360 lost cards) — its outbox rows included.
 *   staff_alerts_steady_ms: an evaluation with nothing new (the per-minute cost), median of 7.
 *   Baseline beside both: `count(*)` of the taps of the same 30 minutes (the window the lost-card
 *     scan reads), median of 7.
 * Run: `node bench/dist/staff-alerts.bench.js` (`--quick`: 4 districts).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { StaffAlertsService } from '@rfid/server';
import { report, round } from './figure.js';
import { startBenchDatabase, startBenchServer } from './support.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const DISTRICTS = values.quick ? 4 : 12;
const SCHOOLS_PER_DISTRICT = 30;
const TAPS_PER_SCHOOL = 600;
const NOW = new Date('2026-12-07T06:40:00+07:00'); // a Monday

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t = NOW.toISOString();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO districts (code, name) SELECT 'BD' || i, 'Phòng GD&ĐT ' || i FROM generate_series(1, $1::int) i`,
      [DISTRICTS],
    );
    await c.query(
      `INSERT INTO schools (district_id, code, name)
       SELECT d.id, d.code || '-' || j, 'Trường ' || d.code || '-' || j FROM districts d, generate_series(1, $1::int) j`,
      [SCHOOLS_PER_DISTRICT],
    );
    await c.query(
      `INSERT INTO gateways (id, school_id, name, secret_hash, online)
       SELECT 'bgw-' || s.code || '-' || k, s.id, 'Cổng ' || k, 'sha256$bench', true FROM schools s, generate_series(1, 3) k`,
    );
    // Districts BD1 and BD2 lose their link 5 minutes ago: every gateway of theirs is down.
    await c.query(
      `UPDATE gateways g SET online = false FROM schools s JOIN districts d ON d.id = s.district_id
        WHERE g.school_id = s.id AND d.code IN ('BD1', 'BD2')`,
    );
    await c.query(
      `INSERT INTO device_outages (school_id, gateway_id, terminal, started_at)
       SELECT g.school_id, g.id, '', $1::timestamptz - interval '5 minutes' FROM gateways g WHERE NOT g.online`,
      [t],
    );
    // Terminals: 2 behind each down gateway of the first 60 (covered), 1 on the first gateway of 60 other schools.
    await c.query(
      `INSERT INTO device_outages (school_id, gateway_id, terminal, started_at)
       SELECT g.school_id, g.id, 't' || k, $1::timestamptz - interval '20 minutes'
         FROM (SELECT * FROM gateways WHERE NOT online ORDER BY id LIMIT 60) g, generate_series(1, 2) k`,
      [t],
    );
    await c.query(
      `INSERT INTO device_outages (school_id, gateway_id, terminal, started_at)
       SELECT g.school_id, g.id, 't1', $1::timestamptz - interval '10 minutes'
         FROM (SELECT * FROM gateways WHERE online AND id LIKE '%-1' ORDER BY id LIMIT 60) g`,
      [t],
    );
    // One lost card per school, and the last 30 minutes of taps: 2 % unknown, one of them the lost card.
    await c.query(
      `INSERT INTO cards (school_id, tech, bits, hex, text, status, retired_at)
       SELECT s.id, 'em4100', 40, h, 'em4100:40:' || h, 'lost', $1::timestamptz - interval '2 days'
         FROM (SELECT id, upper(lpad(to_hex(row_number() OVER (ORDER BY id) + 0x0600000000), 10, '0')) AS h FROM schools) s`,
      [t],
    );
    await c.query(
      `INSERT INTO taps (id, at, school_id, gateway_id, terminal, card, raw, seq, card_id, local_date)
       SELECT gen_random_uuid(), $1::timestamptz - make_interval(secs => (n * 1800.0 / $2::int)),
              s.id, 'bgw-' || s.code || '-1', 't1',
              CASE WHEN n = 7 THEN lc.text
                   WHEN n % 50 = 0 THEN 'em4100:40:' || upper(lpad(to_hex(0x0700000000 + n), 10, '0'))
                   ELSE 'em4100:40:' || upper(lpad(to_hex(0x0800000000 + n), 10, '0')) END,
              'raw', n,
              CASE WHEN n = 7 OR n % 50 = 0 THEN NULL ELSE gen_random_uuid() END,
              ($1::timestamptz AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
         FROM schools s JOIN cards lc ON lc.school_id = s.id AND lc.status = 'lost', generate_series(1, $2::int) n`,
      [t, TAPS_PER_SCHOOL],
    );
    await c.query('COMMIT');
    await c.query('ANALYZE');
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const dbs = await startBenchDatabase();
  const url = await dbs.create();
  await seed(url);
  const server = await startBenchServer(url, { notifyWorker: false, schedulerIntervalMs: 0 });
  const alerts = server.app.get(StaffAlertsService);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const baseline = async () => {
      const t0 = performance.now();
      await c.query('SELECT count(*) FROM taps WHERE at >= $1 AND at <= $2', [
        new Date(NOW.getTime() - 30 * 60_000).toISOString(),
        NOW.toISOString(),
      ]);
      return performance.now() - t0;
    };
    const base: number[] = [];
    for (let i = 0; i < 7; i++) base.push(await baseline());
    const t0 = performance.now();
    const first = await alerts.evaluate(NOW);
    const firstMs = performance.now() - t0;
    const [outbox] = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox'))
      .rows;
    const steady: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s0 = performance.now();
      const r = await alerts.evaluate(new Date(NOW.getTime() + (i + 1) * 60_000));
      steady.push(performance.now() - s0);
      if (r.opened || r.lostCards) throw new Error(`a steady evaluation made alerts: ${JSON.stringify(r)}`);
    }
    const schools = DISTRICTS * SCHOOLS_PER_DISTRICT;
    const b = median(base);
    report({
      name: 'staff_alerts_first_ms',
      value: round(firstMs, 1),
      unit: 'ms',
      schools,
      taps: schools * TAPS_PER_SCHOOL,
      ...first,
      outboxRows: outbox!.n,
      baseline_count_window_ms: round(b, 1),
      ratio: round(firstMs / b, 1),
    });
    report({
      name: 'staff_alerts_steady_ms',
      value: round(median(steady), 1),
      unit: 'ms',
      schools,
      runs: steady.map((x) => round(x, 1)),
      baseline_count_window_ms: round(b, 1),
      ratio: round(median(steady) / b, 1),
    });
  } finally {
    await c.end();
    await server.close();
    await dbs.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
