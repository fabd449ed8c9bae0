/**
 * The fault drills, short: each one plays a small rush through real processes (the server CLI and
 * gateway CLIs as children, simulated smart terminals over TCP and ZKTeco ADMS terminals over
 * HTTP (the second school), the embedded PostgreSQL, aedes or
 * Mosquitto), applies its fault once and counts: every tap a terminal was told OK/UNKNOWN stored
 * exactly once, the notification outbox holding exactly the rows due, and the provider stand-ins
 * (ZNS, eSMS, SMTP) having received exactly one message per guardian and event. The full versions (a
 * 50,000-tap rush, several faults) are `node bench/dist/drills/run-drills.js`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { DRILLS, type DrillName } from '../src/drills/index.js';
import { DrillPostgres, GATEWAY_CLI, MosquittoProcess, SERVER_MAIN } from '../src/drills/processes.js';
import type { DrillResult } from '../src/drills/rig.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const log = pino({ level: process.env.LOG_LEVEL ?? 'error' }, pino.destination(2));

/**
 * The drills run the real CLIs: build server and gateway (incremental, quick when up to date). A
 * failed build (someone mid-edit) is tolerated when both CLIs are built already.
 */
function ensureBuilt(): void {
  try {
    execFileSync(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'server', 'gateway'],
      { cwd: REPO_ROOT, stdio: 'pipe', timeout: 180_000 },
    );
  } catch (e) {
    if (!existsSync(SERVER_MAIN) || !existsSync(GATEWAY_CLI)) throw e;
    console.warn(
      `drills: build failed, using the existing server/gateway dist:\n${String((e as { stdout?: Buffer }).stdout ?? e)}`,
    );
  }
}

function expectExact(r: DrillResult): void {
  if (!r.ok) console.error(JSON.stringify(r));
  expect(r.taps_sent).toBeGreaterThan(300);
  expect(r.lost).toBe(0);
  expect(r.duplicates).toBe(0);
  expect(r.split_taps).toBe(0);
  expect(r.unexpected).toBe(0);
  // Stored = what the terminals were told OK/UNKNOWN, plus taps whose ACK never reached a terminal.
  expect(r.taps_stored).toBe(r.taps_sent + r.no_ack_stored);
  expect(r.outbox_due).toBeGreaterThan(0);
  expect(r.outbox_rows).toBe(r.outbox_due);
  expect(r.outbox_missing + r.outbox_duplicates + r.outbox_unexpected).toBe(0);
  // What the provider stand-ins received: one message per guardian and event a channel reaches.
  expect(r.messages_due).toBeGreaterThan(100);
  expect(r.messages_lost).toBe(0);
  expect(r.messages_doubled).toBe(0);
  expect(r.messages_unexpected).toBe(0);
  expect(r.messages_wrong_channel).toBe(0);
  expect(r.messages_received).toBe(r.messages_due);
  expect(r.faults).toBeGreaterThanOrEqual(1);
  // The second school's gates are ZKTeco ADMS terminals: their punches are counted the same way.
  expect(r.adms_terminals).toBeGreaterThan(0);
  expect(r.adms_punches).toBeGreaterThan(50);
  expect(r.ok).toBe(true);
}

describe('fault drills (short versions)', () => {
  let base: string;
  let pg: DrillPostgres;

  beforeAll(async () => {
    ensureBuilt();
    base = mkdtempSync(path.join(tmpdir(), 'rfid-drills-test-'));
    chmodSync(base, 0o755); // as root, PostgreSQL runs as `postgres` and must reach its data dir
    pg = new DrillPostgres(path.join(base, 'pg', 'data'), log);
    await pg.start();
  }, 240_000);

  afterAll(async () => {
    await pg?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  }, 60_000);

  const run = async (name: DrillName): Promise<DrillResult | null> =>
    DRILLS[name]({
      pg,
      workDir: path.join(base, name),
      log,
      taps: 400,
      faults: 1,
      rushSeconds: 2,
      schools: 2,
      gatesIn: 2,
      drainTimeoutMs: 40_000,
    });

  it.each<DrillName>(['server_kill9', 'postgres_restart', 'gateway_kill9', 'link_cut', 'providers_down'])(
    '%s: nothing lost, nothing doubled, outbox and messages exact',
    async (name) => {
      const r = (await run(name))!;
      expectExact(r);
      if (name === 'link_cut') expect(r.stored_while_cut).toBe(0); // the link really was down
      if (name === 'providers_down') {
        expect(r.received_while_down).toBe(0); // SMS and Zalo really were down
        expect((r.messages_by_channel as Record<string, number>).zalo).toBeGreaterThan(0);
        expect((r.messages_by_channel as Record<string, number>).sms).toBeGreaterThan(0);
      }
    },
    90_000,
  );

  const withMosquitto = MosquittoProcess.available() ? it : it.skip;
  if (!MosquittoProcess.available())
    console.warn('broker_restart drill skipped: mosquitto is not installed (apt-get install mosquitto)');
  withMosquitto(
    'broker_restart (Mosquitto): nothing lost, nothing doubled, outbox and messages exact',
    async () => {
      expectExact((await run('broker_restart'))!);
    },
    90_000,
  );
});
