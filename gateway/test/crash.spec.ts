/**
 * kill -9 of the gateway process in the middle of a rush: every tap the terminal got an ACK for
 * reaches the server, each (terminal, seq) maps to exactly one tap id, and a tap whose ACK was lost
 * with the process is answered again from disk after the restart, not stored twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cardToText, makeCardId } from '@rfid/protocol';
import { CLI, ensureGatewayBuilt } from './build.js';
import { ServerStandIn, SmartTerminalSim, TestBroker, tempDir, waitFor } from './helpers.js';

const TAPS = 400;
const card = (i: number) => makeCardId('em4100', 40, (0x0500000000 + i).toString(16));
const cardText = (i: number) => cardToText(card(i));

describe('kill -9 during a rush', () => {
  let broker: TestBroker;
  let standIn: ServerStandIn;
  let smart: SmartTerminalSim;
  let dir: string;
  let configPath: string;
  let child: ChildProcess | undefined;
  let output = '';

  function startChild(): ChildProcess {
    const c = spawn(process.execPath, [CLI, 'run', '--config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout!.on('data', (d) => (output += d));
    c.stderr!.on('data', (d) => (output += d));
    return c;
  }

  function exited(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (c.exitCode !== null || c.signalCode !== null)
      return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
    return new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
  }

  beforeAll(async () => {
    ensureGatewayBuilt();
    broker = await new TestBroker().start();
    standIn = await new ServerStandIn(broker.url).start();
    await standIn.publishRoster('kt-001', 'gw-crash', {
      version: 1,
      cards: Array.from({ length: TAPS }, (_, i) => ({
        card: cardText(i),
        name: `Hoc Sinh ${i}`,
        class: '6A',
      })),
    });
    smart = await new SmartTerminalSim(300).start();
    dir = tempDir();
    configPath = path.join(dir, 'gateway.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        schoolId: 'kt-001',
        gatewayId: 'gw-crash',
        mqtt: { url: broker.url },
        dataDir: path.join(dir, 'data'),
        logLevel: 'warn',
        resendAfterSeconds: 2,
        terminals: [{ id: 'gate-1', source: smart.source, format: 'smart', direction: 'in' }],
      }),
    );
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await smart.stop();
    await standIn.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged tap and duplicates none', async () => {
    child = startChild();
    await waitFor(() => smart.connected, 'gateway connected to the terminal', 15_000);
    await waitFor(
      () => existsSync(path.join(dir, 'data', 'roster.json')),
      'roster received and saved',
      15_000,
    );
    let killedAt = -1;
    for (let i = 0; i < TAPS; i++) {
      smart.tap(card(i));
      if (killedAt < 0 && smart.acks.size >= TAPS / 3) {
        child.kill('SIGKILL');
        await exited(child);
        killedAt = i;
        child = startChild(); // the terminal keeps tapping and resending while it starts
      }
      await new Promise((r) => setTimeout(r, 2)); // the rush: a tap every ~2 ms
    }
    expect(killedAt).toBeGreaterThan(0);

    await waitFor(() => smart.unacked === 0, 'every TAP acknowledged', 30_000);
    await waitFor(() => standIn.byId.size >= TAPS, 'every tap at the server', 30_000);

    // Every ACK was OK: a resend after the restart got the stored answer, not DUP or a new tap.
    expect([...smart.acks.values()].filter((a) => a.result !== 'OK')).toEqual([]);
    const idsBySeq = new Map<number, Set<string>>();
    for (const t of standIn.taps) {
      const seq = Number(t.raw.split(',')[1]);
      const ids = idsBySeq.get(seq) ?? new Set<string>();
      ids.add(t.id);
      idsBySeq.set(seq, ids);
    }
    expect(idsBySeq.size).toBe(TAPS);
    const split = [...idsBySeq].filter(([, ids]) => ids.size !== 1);
    if (split.length) console.error(output);
    expect(split).toEqual([]);
    expect(standIn.byId.size).toBe(TAPS);
    // Gateway seq is unique per tap across the restart.
    expect(new Set([...standIn.byId.values()].map((t) => t.seq)).size).toBe(TAPS);

    // Graceful stop: SIGTERM exits 0.
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
