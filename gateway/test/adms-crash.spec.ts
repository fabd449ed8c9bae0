/**
 * kill -9 of the gateway process while an ADMS terminal pushes a rush: every line the terminal
 * was answered `OK` for is on disk at the moment of the kill, and after the restart every punch
 * reaches the server exactly once (lines whose `OK` died with the process are pushed again and
 * recognised).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { cardToText, makeCardId } from '@rfid/protocol';
import { SimulatedAdmsTerminal } from '@rfid/firmware-sim';
import { SqliteTapQueue } from '../src/sqlite-queue.js';
import { CLI, ensureGatewayBuilt } from './build.js';
import { ServerStandIn, TestBroker, tempDir, waitFor } from './helpers.js';

const PUNCHES = 400;
const SN = 'CQZ7224469999';
const card = (i: number) => makeCardId('em4100', 40, (0x0100b00000 + i).toString(16));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('kill -9 during an ADMS push', () => {
  let broker: TestBroker;
  let standIn: ServerStandIn;
  let terminal: SimulatedAdmsTerminal;
  let dir: string;
  let configPath: string;
  let child: ChildProcess | undefined;
  let output = '';

  const startChild = () => {
    const c = spawn(process.execPath, [CLI, 'run', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout!.on('data', (d) => (output += d));
    c.stderr!.on('data', (d) => (output += d));
    return c;
  };
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once('exit', () => resolve()));

  beforeAll(async () => {
    ensureGatewayBuilt();
    broker = await new TestBroker().start();
    standIn = await new ServerStandIn(broker.url).start();
    await standIn.publishRoster('kt-001', 'gw-adms-crash', {
      version: 1,
      cards: Array.from({ length: PUNCHES }, (_, i) => ({
        card: cardToText(card(i)),
        name: `Học Sinh ${i}`,
        class: '7B',
      })),
    });
    dir = tempDir('gw-adms-crash-');
    const port = await freePort();
    configPath = path.join(dir, 'gateway.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        schoolId: 'kt-001',
        gatewayId: 'gw-adms-crash',
        mqtt: { url: broker.url },
        dataDir: path.join(dir, 'data'),
        logLevel: 'warn',
        resendAfterSeconds: 2,
        adms: { pollSeconds: 1 },
        terminals: [
          { id: 'gate-adms', format: 'adms', sn: SN, source: `adms://127.0.0.1:${port}`, direction: 'in' },
        ],
      }),
    );
    terminal = new SimulatedAdmsTerminal({
      id: 'gate-adms',
      sn: SN,
      server: `http://127.0.0.1:${port}`,
      pushEveryMs: 5,
      pollEveryMs: 50,
      errorDelayMs: 50,
      maxLinesPerPush: 10,
      logger: pino({ level: 'silent' }),
    });
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await terminal.close();
    await standIn.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never answers OK for a punch that is not on disk, and stores every punch once', async () => {
    child = startChild();
    terminal.start();
    await waitFor(() => terminal.users.size === PUNCHES, 'terminal filled with the roster', 30_000);
    let acknowledgedAtKill: string[] = [];
    for (let i = 0; i < PUNCHES; i++) {
      await terminal.tap(card(i));
      if (acknowledgedAtKill.length === 0 && terminal.stats.linesPushed >= PUNCHES / 4) {
        child.kill('SIGKILL');
        await exited(child);
        acknowledgedAtKill = terminal.acknowledgedLines();
        // What the dead process left on disk, read before anything else opens it.
        const queue = new SqliteTapQueue(path.join(dir, 'data', 'queue.sqlite'));
        const onDisk = new Set(queue.storedSince(0).map((t) => t.raw));
        queue.close();
        expect(acknowledgedAtKill.filter((line) => !onDisk.has(line))).toEqual([]);
        child = startChild(); // the terminal keeps punching and pushing while it starts
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(acknowledgedAtKill.length).toBeGreaterThan(0);
    await waitFor(() => terminal.unsent === 0, 'every line answered OK', 30_000);
    await waitFor(() => standIn.byId.size >= PUNCHES, 'every punch at the server', 30_000);
    const byLine = new Map<string, Set<string>>();
    for (const t of standIn.taps) byLine.set(t.raw, (byLine.get(t.raw) ?? new Set()).add(t.id));
    const doubled = [...byLine].filter(([, ids]) => ids.size !== 1);
    if (doubled.length) console.error(output);
    expect(doubled).toEqual([]);
    expect(byLine.size).toBe(PUNCHES);
    expect(standIn.byId.size).toBe(PUNCHES);
  }, 90_000);
});
