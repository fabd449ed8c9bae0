/**
 * adms_ingest: punches/s through one gateway from a ZKTeco ADMS terminal's ATTLOG pushes (real
 * HTTP, simulated terminal) to the server's ack of the committed taps, beside the same figure for
 * smart terminals (TAP lines over TCP, answered ACK) through the same gateway in the same run:
 * smart, ADMS, smart again, the baseline the mean of the two smart phases. Every phase offers all
 * its taps at once (a rush at the gate, or a terminal coming back with a backlog) and ends when
 * the server has acked the last of them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DevicesService } from '@rfid/server';
import { parseGatewayConfig, startGateway, type GatewayHandle } from '@rfid/gateway';
import { createTerminal, SimulatedAdmsTerminal, type TapTaker } from '@rfid/firmware-sim';
import { parseCardText } from '@rfid/protocol';
import {
  benchLogger,
  seedBulk,
  startBenchDatabase,
  startBenchServer,
  type SeededStudent,
} from './support.js';
import { report, round } from './figure.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const PER_PHASE = values.quick ? 1_000 : 3_000;
const SMART_TERMINALS = 8;

async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Offer every student's tap at once on the terminals; taps/s until the server acked them all. */
async function phase(
  gateway: GatewayHandle,
  terminals: readonly TapTaker[],
  students: SeededStudent[],
): Promise<number> {
  let acked = 0;
  const onAcked = (ids: string[]) => (acked += ids.length);
  gateway.on('acked', onAcked);
  const started = performance.now();
  await Promise.all(students.map((s, i) => terminals[i % terminals.length]!.tap(parseCardText(s.card))));
  await until(() => acked >= students.length, `${students.length} acks`, 120_000);
  const seconds = (performance.now() - started) / 1000;
  gateway.off('acked', onAcked);
  return students.length / seconds;
}

const db = await startBenchDatabase();
try {
  const url = await db.create();
  const [school] = await seedBulk(url, 1, PER_PHASE * 3);
  const server = await startBenchServer(url);
  const smart = await Promise.all(
    Array.from({ length: SMART_TERMINALS }, (_, i) =>
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
  const creds = await server.app.get(DevicesService).register(school!.id, 'adms bench');
  const gateway = await startGateway(
    parseGatewayConfig({
      schoolId: school!.id,
      gatewayId: creds.gatewayId,
      mqtt: { url: server.mqttUrl, username: creds.mqttUsername, password: creds.mqttPassword },
      dataDir: mkdtempSync(path.join(tmpdir(), 'rfid-bench-adms-')),
      terminals: [
        ...smart.map((t) => t.gatewayConfig()),
        { id: 'zk-gate', format: 'adms', sn: 'BENCH0000001', source: 'adms://127.0.0.1:0' },
      ],
      logLevel: 'warn',
    }),
    { logger: benchLogger },
  );
  const adms = new SimulatedAdmsTerminal({
    id: 'zk-gate',
    sn: 'BENCH0000001',
    server: `http://127.0.0.1:${gateway.admsPorts[0]!}`,
    pushEveryMs: 10,
    pollEveryMs: 20,
    maxLinesPerPush: 500,
    logger: benchLogger,
  });
  try {
    // The school's roster to the gateway (as any roster change does), then to the ADMS terminal.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`SELECT pg_notify('roster_changed', $1)`, [school!.id]);
    await c.end();
    await until(
      () => gateway.status().roster.cards === school!.students.length,
      'roster at the gateway',
      60_000,
    );
    adms.start();
    await until(() => adms.users.size === school!.students.length, 'user list on the ADMS terminal', 120_000);
    await Promise.all(smart.map((t) => t.waitForGateway(10_000)));

    const students = [...school!.students];
    const smart1 = await phase(gateway, smart, students.splice(0, PER_PHASE));
    const admsRate = await phase(gateway, [adms], students.splice(0, PER_PHASE));
    const smart2 = await phase(gateway, smart, students.splice(0, PER_PHASE));
    const baseline = (smart1 + smart2) / 2;
    report({
      name: 'adms_ingest',
      value: round(admsRate, 0),
      unit: 'punches/s',
      baseline: 'smart_ingest',
      baseline_value: round(baseline, 0),
      ratio: round(admsRate / baseline, 2),
      punches: PER_PHASE,
      pushes: adms.stats.pushes,
    });
    report({
      name: 'smart_ingest',
      value: round(baseline, 0),
      unit: 'taps/s',
      rounds: [round(smart1, 0), round(smart2, 0)],
      terminals: SMART_TERMINALS,
    });
    report({ name: 'adms_ingest_vs_smart', value: round(admsRate / baseline, 2), unit: 'ratio' });
  } finally {
    await adms.close();
    await gateway.stop();
    await Promise.all(smart.map((t) => t.close()));
    await server.close();
  }
} finally {
  await db.stop();
}
