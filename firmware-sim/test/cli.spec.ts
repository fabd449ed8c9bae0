import path from 'node:path';
import { PassThrough } from 'node:stream';
import { cardToText, parseCardText, parsePrintedCard, sameCard } from '@rfid/protocol';
import { loadRosterCsv } from '../src/index.js';
import { main, type CliIo } from '../src/cli-main.js';
import { GatewayStandIn, pollUntil } from './gateway-stand-in.js';

function capture(): {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
  json: () => Record<string, unknown>[];
} {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err.on('data', (c: Buffer) => (e += c.toString()));
  return {
    io: { stdout: out, stderr: err },
    stdout: () => o,
    stderr: () => e,
    json: () =>
      o
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('rfid-sim', () => {
  it('--help prints the usage and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.stdout()).toMatch(/rfid-sim rush\s+--seed 42/);
  });

  it('names the bad option and exits 2', async () => {
    const c = capture();
    expect(await main(['rush', '--speed', 'fast'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/--speed/);
    expect(await main(['rush', '--link', 'udp:9'], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/--link udp:9/);
  });

  it('plan prints the same digest for the same seed', async () => {
    const a = capture();
    const b = capture();
    expect(await main(['plan', '--seed', '42', '--students', '1500', '--minutes', '20'], a.io)).toBe(0);
    expect(await main(['plan', '--seed', '42', '--students', '1500', '--minutes', '20'], b.io)).toBe(0);
    expect(a.json()[0]!.sha256).toBe(b.json()[0]!.sha256);
    expect(a.json()[0]!.counts).toMatchObject({ students: 1500 });
  });

  it('tap: waits for the gateway, prints the outcome and what the display shows', async () => {
    const c = capture();
    const run = main(
      [
        'tap',
        '--kind',
        'smart',
        '--link',
        'tcp:0',
        '--card',
        'em4100:40:0415AB36C1',
        '--card',
        '0363542209',
        '--interval-ms',
        '10',
        '--heartbeat-ms',
        '0',
        '--ack-timeout-ms',
        '5000',
      ],
      c.io,
    );
    await pollUntil(() => c.json().length > 0, 'terminal line');
    const source = c.json()[0]!.source as string;
    expect(source).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const gateway = await GatewayStandIn.connect(source, 'smart', { ack: { text: 'Nguyen Van An 06:52' } });
    try {
      expect(await run).toBe(0);
      expect(c.json().slice(1)).toMatchObject([
        { result: 'OK', card: 'em4100:40:0415AB36C1', tries: 1, text: 'Nguyen Van An 06:52' },
        { result: 'OK', card: 'em4100:40:0115AB36C1', tries: 1 },
      ]);
      expect(c.stderr()).toMatch(/display "Nguyen Van An 06:52"\s+buzzer: beep/);
      expect(gateway.reads()).toEqual(['em4100:40:0415AB36C1', 'em4100:40:0115AB36C1']);
    } finally {
      await gateway.close();
    }
  });

  it('rush: two terminals, accelerated, a summary with every tap', async () => {
    const c = capture();
    const run = main(
      [
        'rush',
        '--seed',
        '3',
        '--students',
        '200',
        '--minutes',
        '10',
        '--speed',
        '0',
        '--kind',
        'wiegand',
        '--terminals',
        '2',
        '--link',
        'tcp:0',
      ],
      c.io,
    );
    await pollUntil(() => c.json().length >= 2, 'terminal lines');
    const gateways = await Promise.all(
      c.json().map((t) => GatewayStandIn.connect(t.source as string, 'wiegand')),
    );
    try {
      expect(await run).toBe(0);
      const summary = c.json().find((l) => l.summary)!;
      expect(summary).toMatchObject({ aborted: false, errors: 0 });
      const total = summary.total as number;
      expect((summary.results as Record<string, number>).SENT).toBe(total);
      await pollUntil(() => gateways.reduce((n, g) => n + g.reads().length, 0) === total, 'all reads');
      expect(c.stderr()).toMatch(/rush \d+\/\d+ taps/);
    } finally {
      for (const g of gateways) await g.close();
    }
  });

  it('an unconnected TCP tap is dropped and exits 1', async () => {
    const c = capture();
    expect(
      await main(['tap', '--kind', 'decimal10', '--card', '0363542209', '--wait-gateway', '0'], c.io),
    ).toBe(1);
    expect(c.json()[1]).toMatchObject({ result: 'DROPPED' });
  });
});

describe('rfid-sim roster', () => {
  const samples = path.resolve(import.meta.dirname, '../../demo/samples/students.csv');

  it('taps a class from the sample CSV: the gateway reads the enrolled cards', async () => {
    const { students } = await loadRosterCsv(samples, { schoolId: 'KT0001', classIds: ['6A'] });
    const c = capture();
    const run = main(
      [
        'roster',
        '--csv',
        samples,
        '--school',
        'KT0001',
        '--class',
        '6A',
        '--interval-ms',
        '5',
        '--speed',
        '0',
        '--kind',
        'rdm6300',
        '--hold-ms',
        '0',
      ],
      c.io,
    );
    await pollUntil(() => c.json().length >= 1, 'terminal line');
    const gateway = await GatewayStandIn.connect(c.json()[0]!.source as string, 'rdm6300');
    try {
      expect(await run).toBe(0);
      await pollUntil(() => gateway.reads().length === students.length, 'a read per student');
      expect(gateway.reads()).toEqual(students.map((s) => cardToText(s.card)));
      for (const [i, s] of students.entries())
        expect(sameCard(parsePrintedCard(s.printed), parseCardText(gateway.reads()[i]!))).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});
