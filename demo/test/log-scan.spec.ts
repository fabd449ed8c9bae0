/**
 * Issue 16, "no secret and no personal data in logs", as a test: a full `npm start` (server,
 * gateways, simulated terminals, provider stand-ins) runs a morning rush at LOG_LEVEL=debug, and
 * every line that it or any of its children writes is scanned for the seed's student and guardian
 * names, guardian phone numbers, the users' and the admin's passwords, the JWT secret, the
 * gateways' MQTT secrets and anything shaped like a JWT. The values come from the seed file and
 * from the credentials the demo wrote, not from this test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(import.meta.dirname, '..', '..');
const startScript = path.join(root, 'demo/dist/start.js');
const built =
  existsSync(startScript) &&
  existsSync(path.join(root, 'server/dist/main.js')) &&
  existsSync(path.join(root, 'gateway/dist/cli.js'));
if (!built) console.warn('log scan test skipped: run `npm run build` first (npm test does)');
const describeBuilt = built ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A CSV line's fields (the sample files quote fields that hold a comma). */
function csvFields(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) =>
    m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'),
  );
}

/** What must never be logged, each with what it is. */
function forbiddenValues(dataDir: string): Map<string, string> {
  const forbidden = new Map<string, string>();
  const [header, ...rows] = readFileSync(path.join(root, 'demo/samples/students.csv'), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim());
  const cols = csvFields(header!);
  const col = (name: string) => {
    const i = cols.indexOf(name);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  };
  const [student, guardian, phone] = [
    col('Họ và tên'),
    col('Họ tên cha/mẹ/người giám hộ'),
    col('Số điện thoại'),
  ];
  for (const row of rows) {
    const f = csvFields(row);
    forbidden.set(f[student]!.normalize('NFC'), 'student name');
    if (f[guardian]) forbidden.set(f[guardian].normalize('NFC'), 'guardian name');
    if (f[phone]) {
      forbidden.set(f[phone], 'guardian phone');
      forbidden.set(`84${f[phone].replace(/^0/, '')}`, 'guardian phone (international)');
    }
  }
  expect(rows.length).toBeGreaterThan(100);

  const creds = JSON.parse(readFileSync(path.join(dataDir, 'demo/credentials.json'), 'utf8')) as {
    adminPassword: string;
    jwtSecret: string;
    users: { password: string }[];
    gateways: Record<string, { mqttPassword: string }>;
  };
  forbidden.set(creds.adminPassword, 'admin password');
  forbidden.set(creds.jwtSecret, 'JWT secret');
  for (const u of creds.users) forbidden.set(u.password, 'user password');
  for (const g of Object.values(creds.gateways)) forbidden.set(g.mqttPassword, 'gateway secret');
  expect(creds.users.length).toBe(4);
  expect(Object.keys(creds.gateways)).toHaveLength(4);
  return forbidden;
}

describeBuilt('npm start logs', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-logscan-'));
  let child: ChildProcess | null = null;

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('carry no name, phone number, password, token or gateway secret through a whole rush', async () => {
    child = spawn(process.execPath, [startScript], {
      env: {
        ...process.env,
        HTTP_PORT: String(await freePort()),
        MQTT_PORT: String(await freePort()),
        MQTTS_PORT: String(await freePort()),
        DATA_DIR: dataDir,
        DEMO_SPEED: '120',
        DEMO_MINUTES: '10',
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The demo passes its children's lines through, prefixed with the child's name.
    const lines: string[] = [];
    for (const stream of [child.stdout!, child.stderr!])
      createInterface({ input: stream }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    // Every school's first rush played to its end.
    const rushes = () =>
      lines.flatMap((l) => {
        const m = /^\[demo\] (KT\d+) rush \d+: (\d+)\/(\d+) taps (\{.*\})$/.exec(l);
        return m ? [{ school: m[1]!, done: Number(m[2]), results: JSON.parse(m[4]!) as { OK: number } }] : [];
      });
    const deadline = Date.now() + 45_000;
    while (new Set(rushes().map((r) => r.school)).size < 4 && Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`demo exited ${child.exitCode}:\n${lines.slice(-40).join('\n')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    // Not a vacuous pass: the banner, the server's and every gateway's log (at debug, so the
    // gateways follow LOG_LEVEL) and the taps of four rushes, with recorded taps among them.
    expect(lines.some((l) => l.includes('Ctrl-C stops everything'))).toBe(true);
    expect(new Set(rushes().map((r) => r.school))).toEqual(new Set(['KT0001', 'KT0002', 'KT0003', 'KT0004']));
    expect(rushes().reduce((n, r) => n + r.results.OK, 0)).toBeGreaterThan(50);
    expect(lines.filter((l) => l.startsWith('[server] {')).length).toBeGreaterThan(50);
    for (const code of ['KT0001', 'KT0002', 'KT0003', 'KT0004'])
      expect(lines.some((l) => l.startsWith(`[gateway ${code}] `) && l.includes('"level":20'))).toBe(true);
    expect(lines.filter((l) => l.includes('"msg":"tap stored"')).length).toBeGreaterThan(50);

    const forbidden = forbiddenValues(dataDir);
    const leaks: string[] = [];
    for (const raw of lines) {
      const line = raw.normalize('NFC');
      if (/eyJ[\w-]+\.[\w-]+/.test(line)) leaks.push(`JWT: ${line}`);
      for (const [value, what] of forbidden) {
        // CONTRACT §5: the generated admin password is printed once, in the first start's banner.
        if (what === 'admin password' && /^ {2}login admin /.test(line)) continue;
        if (line.includes(value)) leaks.push(`${what}: ${line}`);
      }
    }
    expect(leaks).toEqual([]);
    const adminPassword = [...forbidden].find(([, what]) => what === 'admin password')![0];
    expect(lines.filter((l) => l.includes(adminPassword))).toHaveLength(1);
  }, 90_000);
});
