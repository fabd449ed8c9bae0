/**
 * `detect` names the format of every known-good fixture, the technology and byte order of a
 * reversed-byte Mifare wedge reader from the number printed on the card, and says clearly when
 * the source cannot be opened or nothing arrives. `decode --source` fails fast on a closed port.
 */
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { detectFormat, terminalConfigEntry } from '../src/detect.js';
import { loadFrameFixtures } from '../../protocol/test/fixtures.js';
import { CLI, ensureGatewayBuilt } from './build.js';

const ok = loadFrameFixtures().filter((f) => f.name.startsWith('ok/'));
const decimal = (hex: string) => `${parseInt(hex, 16).toString().padStart(10, '0')}\r\n`;

describe('detect (function)', () => {
  it.each(ok.map((f) => [f.name, f] as const))('names the format of %s', async (_name, f) => {
    const d = await detectFormat(f.bytes);
    expect(d.best?.format).toBe(f.format);
    expect(d.best?.cards).toEqual(f.expected);
    expect(d.best?.rejects).toBe(0);
  });

  it('tells a reversed-byte Mifare wedge reader from the printed number', async () => {
    // The card's UID is 04A1B2C3 (printed msb-first as 0077705923); the reader prints C3B2A104.
    const printed = parseInt('04A1B2C3', 16).toString().padStart(10, '0');
    const d = await detectFormat(Buffer.from(decimal('C3B2A104')), printed);
    expect(d.best).toMatchObject({
      format: 'decimal10',
      options: { tech: 'mifare', byteOrder: 'reversed' },
      cards: ['mifare:32:04A1B2C3'],
      fitsPrinted: true,
    });
    expect(d.alsoFits).toEqual([]);
    expect(terminalConfigEntry('office', 'serial:/dev/ttyACM0?baud=9600', d.best!)).toEqual({
      id: 'office',
      source: 'serial:/dev/ttyACM0?baud=9600',
      format: 'decimal10',
      tech: 'mifare',
      byteOrder: 'reversed',
    });
  });

  it('keeps EM4100 for an EM wedge reader and says when the printed number fits nothing', async () => {
    const line = Buffer.from('0004467393\r\n');
    const em = await detectFormat(line, '0004467393');
    expect(em.best).toMatchObject({
      format: 'decimal10',
      options: { tech: 'em4100' },
      cards: ['em4100:32:00442AC1'],
    });
    expect(em.notes.join(' ')).toMatch(/more than one technology/);
    const wrong = await detectFormat(line, '0000000001');
    expect(wrong.notes.join(' ')).toMatch(/no reading of these digits gives the printed number 0000000001/);
    expect((await detectFormat(Buffer.from('hello\r\n'))).best).toBeUndefined();
  });
});

describe('detect and decode (CLI) against real sources', () => {
  beforeAll(() => ensureGatewayBuilt(), 120_000);

  function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  async function tcpSource(send: Buffer | null): Promise<{ source: string; close: () => void }> {
    const server = net.createServer((socket) => {
      if (send) socket.write(send);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
      source: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => server.close(),
    };
  }

  async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }

  it('prints the format, the card and a config entry ready to paste', async () => {
    const src = await tcpSource(Buffer.from(decimal('C3B2A104')));
    try {
      const r = await run([
        'detect',
        '--source',
        src.source,
        '--printed',
        '0077705923',
        '--id',
        'office',
        '--timeout',
        '10',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^format: decimal10 \(tech mifare, byte order reversed\)$/m);
      expect(r.stdout).toMatch(/^card: +mifare:32:04A1B2C3$/m);
      const entry = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as unknown;
      expect(entry).toEqual({
        id: 'office',
        source: src.source,
        format: 'decimal10',
        tech: 'mifare',
        byteOrder: 'reversed',
      });
    } finally {
      src.close();
    }
  }, 20_000);

  it('says nothing arrived before the timeout (exit 4)', async () => {
    const src = await tcpSource(null);
    try {
      const r = await run(['detect', '--source', src.source, '--timeout', '0.5']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/nothing arrived from tcp:\/\/127\.0\.0\.1:\d+ in 0\.5 s/);
    } finally {
      src.close();
    }
  }, 20_000);

  it('says a source cannot be opened (exit 3): a missing serial device, a closed TCP port', async () => {
    const port = await closedPort();
    const serial = await run(['detect', '--source', 'serial:/dev/ttyNOPE', '--timeout', '5']);
    expect(serial.code).toBe(3);
    expect(serial.stderr).toMatch(/cannot open serial:\/dev\/ttyNOPE: .*(No such file|ENOENT|cannot open)/i);
    const decodeTcp = await run(['decode', '--format', 'rdm6300', '--source', `tcp://127.0.0.1:${port}`]);
    expect(decodeTcp.code).toBe(3);
    expect(decodeTcp.stderr).toMatch(new RegExp(`cannot open tcp://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    const decodeSerial = await run(['decode', '--format', 'rdm6300', '--source', 'serial:/dev/ttyNOPE']);
    expect(decodeSerial.code).toBe(3);
  }, 30_000);
});
