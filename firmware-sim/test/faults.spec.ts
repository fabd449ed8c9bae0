import pino from 'pino';
import { cardToText, makeCardId, type RejectCode, type TerminalFormat } from '@rfid/protocol';
import { createTerminal, type SentEvent } from '../src/index.js';
import { GatewayStandIn, pollUntil } from './gateway-stand-in.js';

const logger = pino({ level: 'silent' });
const good = makeCardId('em4100', 40, '0415AB36C1');
const other = makeCardId('em4100', 40, '1200ABCDEF');

const corruptCode: Record<TerminalFormat, RejectCode> = {
  rdm6300: 'checksum',
  wiegand: 'parity',
  decimal10: 'syntax',
  smart: 'syntax',
};

describe.each<TerminalFormat>(['rdm6300', 'decimal10', 'wiegand', 'smart'])('%s faults', (kind) => {
  it('corrupt, cut and noise frames become rejects while the good frames still decode', async () => {
    const terminal = await createTerminal({
      id: `f-${kind}`,
      kind,
      link: { type: 'tcp' },
      logger,
      holdMs: 0,
      heartbeatMs: 0,
      ackTimeoutMs: 250,
    });
    const gateway = await GatewayStandIn.connect(terminal.gatewaySource, kind);
    try {
      await pollUntil(() => terminal.connected, 'connection');
      const sent: SentEvent[] = [];
      terminal.events.on('sent', (e: SentEvent) => sent.push(e));
      await terminal.tap(good);
      terminal.inject({ type: 'corrupt' });
      await terminal.tap(other);
      terminal.inject({ type: 'cut' });
      await terminal.tap(good);
      terminal.inject({ type: 'noise', bytes: 20 });
      await terminal.tap(other);

      const intact = sent.filter((e) => e.card && !e.fault).map((e) => cardToText(e.card!));
      await pollUntil(
        () => gateway.reads().length === intact.length && gateway.rejects().length >= 3,
        'reads and rejects',
      );
      expect(gateway.reads()).toEqual(intact);
      const codes = gateway.rejects().map((e) => (e.kind === 'reject' ? e.code : ''));
      expect(codes).toHaveLength(3);
      expect(codes[0]).toBe(corruptCode[kind]);
      expect(codes[1]).toBe('syntax');
      // Noise outside a frame (rdm6300) or a line of garbage (line formats).
      expect(codes[2]).toBe(kind === 'rdm6300' ? 'noise' : 'syntax');
      expect(terminal.stats).toMatchObject({ faultyFrames: 2, noiseBursts: 1 });
      if (kind === 'smart') {
        // A damaged TAP gets no ACK; the terminal resends it intact and every tap is ACKed.
        expect(terminal.stats.acks.OK).toBe(4);
        expect(terminal.stats.resends).toBe(2);
      } else {
        expect(intact).toHaveLength(2);
      }
    } finally {
      await gateway.close();
      await terminal.close();
    }
  });
});

describe('silent terminal', () => {
  it('sends nothing while silent and recovers', async () => {
    const terminal = await createTerminal({
      id: 's',
      kind: 'smart',
      link: { type: 'tcp' },
      logger,
      heartbeatMs: 20,
      ackTimeoutMs: 250,
      maxTries: 2,
    });
    const gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'smart');
    try {
      await pollUntil(() => gateway.events.length >= 1, 'first heartbeat');
      terminal.inject({ type: 'silent' });
      const before = gateway.events.length;
      expect(await terminal.tap(good)).toMatchObject({ result: 'NO_ACK', tries: 2 });
      expect(gateway.events.length).toBe(before);
      terminal.inject({ type: 'recover' });
      expect(await terminal.tap(good)).toMatchObject({ result: 'OK', tries: 1 });
    } finally {
      await gateway.close();
      await terminal.close();
    }
  });

  it('silence for ms ends by itself', async () => {
    const terminal = await createTerminal({ id: 's2', kind: 'wiegand', link: { type: 'tcp' }, logger });
    const gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'wiegand');
    try {
      await pollUntil(() => terminal.connected, 'connection');
      terminal.inject({ type: 'silent', ms: 50 });
      expect(await terminal.tap(good)).toMatchObject({ result: 'DROPPED' });
      expect(terminal.silent).toBe(true);
      await pollUntil(() => !terminal.silent, 'silence to end', 2000);
      expect(await terminal.tap(good)).toMatchObject({ result: 'SENT' });
      await pollUntil(() => gateway.reads().length === 1, 'read after silence');
    } finally {
      await gateway.close();
      await terminal.close();
    }
  });
});

describe('seeded fault rates', () => {
  it('damage about the given share of frames, the same frames for the same seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const terminal = await createTerminal({
        id: 'r',
        kind: 'wiegand',
        link: { type: 'tcp' },
        logger,
        faults: { seed, corrupt: 0.2, cut: 0.1, noise: 0.05 },
      });
      const gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'wiegand');
      try {
        await pollUntil(() => terminal.connected, 'connection');
        const faults: string[] = [];
        terminal.events.on('sent', (e: SentEvent) =>
          faults.push(e.fault ?? (e.what === 'noise' ? 'noise' : 'ok')),
        );
        for (let i = 0; i < 200; i++) await terminal.tap(good);
        const intact = faults.filter((f) => f === 'ok').length;
        await pollUntil(() => gateway.reads().length === intact, 'intact reads');
        expect(gateway.rejects()).toHaveLength(faults.length - intact);
        return faults;
      } finally {
        await gateway.close();
        await terminal.close();
      }
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(await run(8)).not.toEqual(a);
    const corrupt = a.filter((f) => f === 'corrupt').length;
    expect(corrupt).toBeGreaterThan(20);
    expect(corrupt).toBeLessThan(65);
  });
});
