import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { cardToText, makeCardId, type TerminalFormat } from '@rfid/protocol';
import { createTerminal, type LinkOptions, type SentEvent, type SimulatedTerminal } from '../src/index.js';
import { GatewayStandIn, pollUntil, socatAvailable } from './gateway-stand-in.js';

const logger = pino({ level: 'silent' });
const cards = [
  makeCardId('em4100', 40, '0415AB36C1'),
  makeCardId('em4100', 40, 'FF00000001'),
  makeCardId('em4100', 32, '6A4F3B27'), // a printed 10-digit number: widened for 40-bit readers
  makeCardId('em4100', 40, '1200ABCDEF'),
];
const kinds: TerminalFormat[] = ['rdm6300', 'decimal10', 'wiegand', 'smart'];

const links: [string, LinkOptions][] = [['tcp', { type: 'tcp', port: 0 }]];
const ptyLinks: [string, LinkOptions][] = [['pty', { type: 'pty' }]];
/** The pty and serial tests need socat; without it jest reports them skipped, under a name that says why. */
const describeWithSocat = socatAvailable ? describe : describe.skip;
const needsSocat = (name: string) => (socatAvailable ? name : `${name} (skipped: socat not installed)`);

describe.each(links)('%s link', (_name, link) => {
  it.each(kinds)('%s: the gateway decodes exactly the reads that were sent', async (kind) =>
    expectDecodesWhatWasSent(kind, link),
  );
});

describeWithSocat.each(ptyLinks)(needsSocat('%s link'), (_name, link) => {
  it.each(kinds)('%s: the gateway decodes exactly the reads that were sent', async (kind) =>
    expectDecodesWhatWasSent(kind, link),
  );
});

async function expectDecodesWhatWasSent(kind: TerminalFormat, link: LinkOptions): Promise<void> {
  const terminal: SimulatedTerminal = await createTerminal({
    id: `t-${kind}`,
    kind,
    link,
    logger,
    holdMs: 250,
    heartbeatMs: 0,
  });
  let gateway: GatewayStandIn | undefined;
  try {
    expect(terminal.gatewaySource).toMatch(
      link.type === 'tcp' ? /^tcp:\/\/127\.0\.0\.1:\d+$/ : /^serial:\/dev\/pts\/\d+\?baud=9600$/,
    );
    gateway = await GatewayStandIn.connect(terminal.gatewaySource, kind);
    await pollUntil(() => terminal.connected, 'gateway connection');
    const sent: SentEvent[] = [];
    terminal.events.on('sent', (e: SentEvent) => sent.push(e));
    for (const card of cards) {
      const outcome = await terminal.tap(card);
      expect(outcome.result).toBe(kind === 'smart' ? 'OK' : 'SENT');
    }
    const expected = sent.filter((e) => e.card && e.delivered).map((e) => cardToText(e.card!));
    // RDM6300 repeats each frame while the card is held (250 ms → 3 frames).
    expect(expected).toHaveLength(kind === 'rdm6300' ? 12 : 4);
    await pollUntil(() => gateway!.reads().length >= expected.length, 'all reads');
    expect(gateway.reads()).toEqual(expected);
    expect(gateway.rejects()).toEqual([]);
    const bits = { rdm6300: 40, decimal10: 32, wiegand: 24, smart: 40 }[kind];
    expect(gateway.reads().every((r) => r.startsWith(`em4100:${bits}:`))).toBe(true);
    const firstCard = {
      rdm6300: 'em4100:40:0415AB36C1',
      decimal10: 'em4100:32:15AB36C1',
      wiegand: 'em4100:24:AB36C1',
      smart: 'em4100:40:0415AB36C1',
    }[kind];
    expect(gateway.reads()[0]).toBe(firstCard);
    // The printed 32-bit card reaches 40-bit readers with the default version byte 01.
    if (bits === 40) expect(gateway.reads()).toContain('em4100:40:016A4F3B27');
  } finally {
    await gateway?.close();
    await terminal.close();
  }
}

describeWithSocat(needsSocat('serial link on a given device'), () => {
  it('opens the path with serialport and names gatewayPath as the source', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rfid-sim-'));
    const socat = spawn(
      'socat',
      [`pty,raw,echo=0,link=${dir}/terminal`, `pty,raw,echo=0,link=${dir}/gateway`],
      { stdio: 'ignore' },
    );
    try {
      await pollUntil(() => existsSync(`${dir}/terminal`) && existsSync(`${dir}/gateway`), 'socat links');
      const terminal = await createTerminal({
        id: 'usb0',
        kind: 'wiegand',
        link: { type: 'serial', path: `${dir}/terminal`, baudRate: 19200, gatewayPath: `${dir}/gateway` },
        logger,
      });
      const gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'wiegand');
      try {
        expect(terminal.gatewaySource).toBe(`serial:${dir}/gateway?baud=19200`);
        expect(await terminal.tap(cards[0]!)).toMatchObject({ result: 'SENT', frames: 1 });
        await pollUntil(() => gateway.reads().length === 1, 'one read');
        expect(gateway.reads()).toEqual(['em4100:24:AB36C1']);
      } finally {
        await gateway.close();
        await terminal.close();
      }
    } finally {
      const exited = once(socat, 'exit');
      socat.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
