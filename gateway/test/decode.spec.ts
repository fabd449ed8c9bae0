/** `decode` turns the known-answer vectors of protocol/ into the right JSON lines. */
import { spawn } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { decodeBytes, type DecodedLine } from '../src/decode.js';
import { loadFrameFixtures } from '../../protocol/test/fixtures.js';
import { CLI, ensureGatewayBuilt } from './build.js';
import { waitFor } from './helpers.js';

const fixtures = loadFrameFixtures();

/** The fixture's expectation form: a card text per read/tap, the reject code per bad frame. */
function summary(lines: DecodedLine[]): string[] {
  return lines.flatMap((l) => ('card' in l ? [l.card] : 'code' in l ? [l.code] : []));
}

describe('decode (function)', () => {
  it('has fixtures to check', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(17);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    const lines = await decodeBytes(f.bytes, f.format);
    expect(summary(lines)).toEqual(f.expected);
    for (const l of lines) expect(typeof l.raw).toBe('string');
  });

  it('prints the raw frame and the reason of a rejected frame', async () => {
    const bad = fixtures.find((f) => f.name === 'bad/rdm6300-bad-checksum')!;
    expect(await decodeBytes(bad.bytes, 'rdm6300')).toEqual([
      { error: expect.stringMatching(/checksum/), code: 'checksum', raw: '\\x020415AB36C14E\\x03' },
    ]);
  });

  it('honours --tech mifare --byte-order reversed for desktop Mifare wedge readers', async () => {
    // 04A1B2C3 sent reversed (C3B2A104) as decimal.
    const line = `${parseInt('C3B2A104', 16).toString().padStart(10, '0')}\r\n`;
    expect(
      await decodeBytes(Buffer.from(line), 'decimal10', { tech: 'mifare', byteOrder: 'reversed' }),
    ).toEqual([{ card: 'mifare:32:04A1B2C3', raw: line.trim() }]);
  });
});

describe('rfid-gateway decode (CLI on stdin)', () => {
  beforeAll(() => ensureGatewayBuilt(), 120_000);

  function runCli(
    args: string[],
    input: Buffer,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('prints one JSON line per frame for every fixture format', async () => {
    for (const format of ['rdm6300', 'decimal10', 'wiegand', 'smart'] as const) {
      const mine = fixtures.filter((f) => f.format === format);
      const { code, stdout, stderr } = await runCli(
        ['decode', '--format', format],
        Buffer.concat(mine.map((f) => f.bytes)),
      );
      expect(code).toBe(0);
      expect(stderr).toMatch(/decoded \d+ frame/);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as DecodedLine);
      // Concatenated fixtures decode to the concatenation of their expectations,
      // except where a truncated frame at the end of one fixture swallows the next (not the case here).
      expect(summary(lines)).toEqual(mine.flatMap((f) => f.expected));
    }
  }, 60_000);

  it('reads from a terminal source (tcp://) until interrupted', async () => {
    const f = fixtures.find((x) => x.name === 'bad/rdm6300-noise-then-good')!;
    const server = net.createServer((socket) => socket.write(f.bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const child = spawn(process.execPath, [
      CLI,
      'decode',
      '--format',
      'rdm6300',
      '--source',
      `tcp://127.0.0.1:${port}`,
    ]);
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('em4100:40:0415AB36C1'), 'the read from the source');
    } finally {
      child.kill('SIGINT');
      expect(await exit).toBe(0);
      server.close();
    }
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DecodedLine);
    expect(summary(lines)).toEqual(f.expected);
  });

  it('refuses an unknown format with a clear message and prints help', async () => {
    const bad = await runCli(['decode', '--format', 'nfc'], Buffer.alloc(0));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of rdm6300, decimal10, wiegand, smart/);
    const help = await runCli(['--help'], Buffer.alloc(0));
    expect(help.stdout).toMatch(/rfid-gateway decode --format/);
  });
});
