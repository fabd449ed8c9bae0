import { createHash } from 'node:crypto';
import pino from 'pino';
import { cardToText, type TerminalFormat } from '@rfid/protocol';
import {
  createTerminal,
  morningRush,
  runPlan,
  type RunProgress,
  type SimulatedTerminal,
} from '../src/index.js';
import { GatewayStandIn, pollUntil } from './gateway-stand-in.js';

const logger = pino({ level: 'silent' });

/** Plays the plan of `seed` on two terminals into two stand-in gateways; returns each line's bytes. */
async function playRush(
  seed: number,
  kind: TerminalFormat,
  speed: number,
): Promise<{
  bytes: Buffer[];
  reads: string[][];
  expected: string[][];
  progress: RunProgress[];
  result: Awaited<ReturnType<typeof runPlan>>;
}> {
  const plan = morningRush({ seed, students: 1500, minutes: 20, terminals: 2 });
  const terminals: SimulatedTerminal[] = [];
  const gateways: GatewayStandIn[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const t = await createTerminal({
        id: `gate-${i}`,
        kind,
        link: { type: 'tcp' },
        logger,
        heartbeatMs: 0,
        holdMs: 0,
        ackTimeoutMs: 10_000,
      });
      terminals.push(t);
      gateways.push(await GatewayStandIn.connect(t.gatewaySource, kind));
      await pollUntil(() => t.connected, 'connection');
    }
    const progress: RunProgress[] = [];
    const result = await runPlan(plan, terminals, {
      speed,
      onProgress: (p) => progress.push(p),
      progressEveryMs: 100,
    });
    const expected = terminals.map((t, i) =>
      plan.taps.filter((tap) => tap.terminalIndex === i).map((tap) => cardToText(t.cardAsRead(tap.card))),
    );
    await pollUntil(
      () => gateways.every((g, i) => g.reads().length === expected[i]!.length),
      'every read at the gateways',
    );
    return {
      bytes: gateways.map((g) => g.bytes()),
      reads: gateways.map((g) => g.reads()),
      expected,
      progress,
      result,
    };
  } finally {
    for (const g of gateways) await g.close();
    for (const t of terminals) await t.close();
  }
}

const digest = (bufs: Buffer[]): string[] => bufs.map((b) => createHash('sha256').update(b).digest('hex'));

describe('morning rush over TCP: 1,500 students, 20 minutes at 1200× (1 s)', () => {
  it('replays byte for byte from the same seed, and differs for another seed (smart, with ACKs)', async () => {
    const a = await playRush(42, 'smart', 1200);
    expect(a.reads).toEqual(a.expected);
    expect(a.result).toMatchObject({
      total: a.expected.flat().length,
      done: a.expected.flat().length,
      errors: 0,
      aborted: false,
    });
    expect(a.result.results.OK).toBe(a.expected.flat().length);
    expect(a.result.ackLatencyMs?.p99).toBeLessThan(1000);
    expect(a.progress.length).toBeGreaterThan(2);
    expect(a.progress.at(-1)!.done).toBe(a.result.total);

    const b = await playRush(42, 'smart', 1200);
    expect(digest(b.bytes)).toEqual(digest(a.bytes));
    const c = await playRush(43, 'smart', 1200);
    expect(digest(c.bytes)).not.toEqual(digest(a.bytes));
  }, 30_000);

  it('as fast as the line takes it (speed Infinity), rdm6300: the same bytes again', async () => {
    const a = await playRush(7, 'rdm6300', Infinity);
    const b = await playRush(7, 'rdm6300', Infinity);
    expect(a.reads).toEqual(a.expected);
    expect(b.bytes).toEqual(a.bytes);
  }, 30_000);

  it('stops starting taps when aborted', async () => {
    const plan = morningRush({ seed: 1, students: 300, minutes: 20 });
    const terminal = await createTerminal({ id: 'g', kind: 'decimal10', link: { type: 'tcp' }, logger });
    try {
      const controller = new AbortController();
      const run = runPlan(plan, [terminal], { speed: 60, signal: controller.signal });
      await pollUntil(() => terminal.stats.taps > 0, 'a first tap');
      controller.abort();
      const result = await run;
      expect(result.aborted).toBe(true);
      expect(result.started).toBeLessThan(plan.taps.length);
      expect(result.done).toBe(result.started);
    } finally {
      await terminal.close();
    }
  });
});
