/**
 * The fault drills (issue #8), one after another on one embedded PostgreSQL, a JSON line each:
 *   node bench/dist/drills/run-drills.js [--only server_kill9,link_cut] [--taps N] [--faults N]
 *                                        [--rush-seconds S] [--quick]
 * `value` is the number of lost taps; exit 1 if any drill lost, doubled or mis-notified anything.
 * Needs `npx tsc -b bench` (builds server, gateway, firmware-sim and protocol too).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DrillPostgres, killAllChildren } from './processes.js';
import { DRILLS, type DrillName } from './index.js';
import type { DrillContext } from './drill.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    taps: { type: 'string' },
    faults: { type: 'string' },
    'rush-seconds': { type: 'string' },
    quick: { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
  },
});

/** Full sizes: the server drill plays the 50,000-tap rush; the others a 20,000-tap one. */
const FULL: Record<DrillName, { taps: number; faults: number; rushSeconds: number }> = {
  server_kill9: { taps: 50_000, faults: 5, rushSeconds: 30 },
  broker_restart: { taps: 20_000, faults: 2, rushSeconds: 12 },
  postgres_restart: { taps: 20_000, faults: 2, rushSeconds: 12 },
  gateway_kill9: { taps: 20_000, faults: 2, rushSeconds: 12 },
  link_cut: { taps: 20_000, faults: 2, rushSeconds: 0 },
  providers_down: { taps: 20_000, faults: 1, rushSeconds: 12 },
};
const QUICK = { taps: 1_000, faults: 1, rushSeconds: 3 };

const log = pino({ level: values['log-level'] }, pino.destination(2));
const names = (values.only?.split(',') ?? Object.keys(DRILLS)) as DrillName[];
for (const n of names)
  if (!(n in DRILLS)) throw new Error(`unknown drill ${n}; known: ${Object.keys(DRILLS).join(', ')}`);

const base = mkdtempSync(path.join(tmpdir(), 'rfid-drills-'));
chmodSync(base, 0o755); // as root, PostgreSQL runs as `postgres` and must reach its data dir
const pgDb = new DrillPostgres(path.join(base, 'pg', 'data'), log);
let failed = 0;
// A reader that stops early (`| head`) must not kill the run before it cleans up.
process.stdout.on('error', () => undefined);
const interrupted = (signal: NodeJS.Signals) => {
  process.stderr.write(`drills: ${signal}, stopping children and PostgreSQL\n`);
  killAllChildren();
  void pgDb.close().finally(() => {
    rmSync(base, { recursive: true, force: true });
    process.exit(130);
  });
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  await pgDb.start();
  for (const name of names) {
    const size = values.quick ? QUICK : FULL[name];
    const ctx: DrillContext = {
      pg: pgDb,
      workDir: path.join(base, name),
      log,
      taps: values.taps ? Number(values.taps) : size.taps,
      faults: values.faults ? Number(values.faults) : size.faults,
      rushSeconds: values['rush-seconds'] ? Number(values['rush-seconds']) : size.rushSeconds,
    };
    process.stderr.write(`drill ${name}: ${ctx.taps} taps, ${ctx.faults} fault(s) …\n`);
    try {
      const r = await DRILLS[name](ctx);
      if (!r) {
        process.stdout.write(
          `${JSON.stringify({ name: `drill_${name}`, skipped: 'mosquitto is not installed (apt-get install mosquitto)' })}\n`,
        );
        continue;
      }
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.stdout.write(
        `${JSON.stringify({ name: `drill_${name}_duplicates`, value: r.duplicates + r.split_taps, unit: 'duplicates' })}\n`,
      );
      if (!r.ok) failed++;
    } catch (e) {
      failed++;
      process.stderr.write(`drill ${name} failed: ${(e as Error).stack ?? String(e)}\n`);
      process.stdout.write(
        `${JSON.stringify({ name: `drill_${name}`, ok: false, error: (e as Error).message })}\n`,
      );
    }
  }
} finally {
  await pgDb.close();
  rmSync(base, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
