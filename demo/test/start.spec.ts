/**
 * `npm start` as a user runs it (CONTRACT §5): the built demo as a child process on free ports
 * with a fresh data directory. It must print the URL and the logins (their passwords only in its
 * 0600 credentials file), taps from the simulated rush must reach the API, Ctrl-C (SIGINT) must
 * leave no process behind, and a second start must reuse the data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zonedTime } from '@rfid/protocol';

const root = path.resolve(import.meta.dirname, '..', '..');
const startScript = path.join(root, 'demo/dist/start.js');
const built =
  existsSync(startScript) &&
  existsSync(path.join(root, 'server/dist/main.js')) &&
  existsSync(path.join(root, 'gateway/dist/cli.js'));
if (!built) console.warn('npm start test skipped: run `npm run build` first (npm test does)');
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

/** Every process whose parent chain leads to `pid` (from /proc). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      /* gone meanwhile */
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, pp] of parent) {
      if (pp !== p) continue;
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Demo {
  child: ChildProcess;
  url: string;
  logins: Map<string, { username: string; password: string }>;
  output: () => string;
}

/** The banner names the logins; their passwords are only in the credentials file (mode 0600). */
async function startDemo(env: Record<string, string>): Promise<Demo> {
  const child = spawn(process.execPath, [startScript], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 150_000;
  while (!/Ctrl-C stops everything/.test(out)) {
    if (child.exitCode !== null)
      throw new Error(`demo exited ${child.exitCode}:\n${out.slice(-1500)}\n${err.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`no URL printed within 150 s:\n${out}\n${err.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const url = /Web: (http:\/\/\S+?)\/?$/m.exec(out)![1]!;
  const credsFile = path.join(env.DATA_DIR!, 'demo', 'credentials.json');
  expect(out).toContain(`passwords in ${credsFile}`);
  expect(statSync(credsFile).mode & 0o777).toBe(0o600);
  const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as {
    adminPassword: string;
    users: { username: string; password: string }[];
  };
  const logins = new Map<string, { username: string; password: string }>();
  for (const m of out.matchAll(/^ {2}login (\S+)\s+(\S+)/gm)) {
    const password =
      m[2] === 'admin' ? creds.adminPassword : creds.users.find((u) => u.username === m[2])!.password;
    // CONTRACT §5: a generated admin password is printed once (the first start); no other.
    if (m[2] !== 'admin') expect(out).not.toContain(password);
    logins.set(m[1]!, { username: m[2]!, password });
  }
  return { child, url, logins, output: () => out + err };
}

async function stopDemo(demo: Demo): Promise<{ code: number | null; leftovers: number[] }> {
  const tree = descendants(demo.child.pid!);
  const exited = new Promise<number | null>((r) => demo.child.once('exit', (code) => r(code)));
  demo.child.kill('SIGINT');
  const code = await exited;
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { code, leftovers: tree.filter(alive) };
}

async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function get<T>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describeBuilt('npm start', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-demo-'));
  let demo: Demo | null = null;

  afterAll(async () => {
    if (demo && demo.child.exitCode === null) await stopDemo(demo);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the whole system, shows rush taps through the API, stops cleanly on Ctrl-C and restarts on the same data', async () => {
    const env = {
      HTTP_PORT: String(await freePort()),
      MQTT_PORT: String(await freePort()),
      MQTTS_PORT: String(await freePort()),
      DATA_DIR: dataDir,
      DEMO_SPEED: '120',
      DEMO_MINUTES: '10',
      LOG_LEVEL: 'warn',
    };
    demo = await startDemo(env);
    expect(demo.url).toBe(`http://localhost:${env.HTTP_PORT}`);
    // CONTRACT §5: the broker's TLS port and the CA generated on the first start, printed.
    const ca = path.join(dataDir, 'tls', 'ca.crt');
    expect(demo.output()).toContain(
      `Gateways over TLS: mqtts://localhost:${env.MQTTS_PORT}, trusting the CA in ${ca}`,
    );
    expect(readFileSync(ca, 'utf8')).toContain('-----BEGIN CERTIFICATE-----');
    expect([...demo.logins.keys()].sort()).toEqual(['admin', 'district', 'parent', 'school', 'teacher']);
    const admin = demo.logins.get('admin')!;
    const token = await login(demo.url, admin.username, admin.password);
    const schools = await get<{ id: string; code: string; timeZone: string }[]>(
      `${demo.url}/api/v1/schools`,
      token,
    );
    expect(schools.map((s) => s.code).sort()).toEqual(['KT0001', 'KT0002', 'KT0003', 'KT0004']);

    // Taps of the simulated rush arrive through terminal → gateway → MQTT → server → API.
    const school = schools.find((s) => s.code === 'KT0001')!;
    const today = zonedTime(new Date(), school.timeZone).date;
    let taps: { studentId: string | null }[] = [];
    const deadline = Date.now() + 90_000;
    while (taps.filter((t) => t.studentId).length < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      taps = await get(`${demo.url}/api/v1/schools/${school.id}/taps?date=${today}`, token);
    }
    expect(taps.filter((t) => t.studentId).length).toBeGreaterThanOrEqual(5);
    // KT0002's side gate is a ZKTeco ADMS terminal (HTTP push): its punches arrive the same way.
    const admsSchool = schools.find((s) => s.code === 'KT0002')!;
    let admsTaps: { studentId: string | null; terminal: string }[] = [];
    while (
      admsTaps.filter((t) => t.studentId && t.terminal === 'cong-phu').length < 3 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 1000));
      admsTaps = await get(`${demo.url}/api/v1/schools/${admsSchool.id}/taps?date=${today}`, token);
    }
    expect(admsTaps.filter((t) => t.studentId && t.terminal === 'cong-phu').length).toBeGreaterThanOrEqual(3);
    const web = await fetch(`${demo.url}/`);
    expect(web.status).toBe(200);
    expect(await web.text()).toContain('Điểm danh thông minh');

    const first = await stopDemo(demo);
    expect(first.code).toBe(0);
    expect(first.leftovers).toEqual([]);
    // A clean stop says so and nothing else: no warning or error from any process while stopping
    // (gateways before their terminals, the server's listeners before its embedded database).
    const whileStopping = (output: string) =>
      output
        .slice(output.indexOf('[demo] stopping'))
        .split('\n')
        .filter((l) => /"level":(40|50|60)\b/.test(l));
    expect(whileStopping(demo.output())).toEqual([]);

    // A second start reuses the data: the same logins work and the taps are still there.
    demo = await startDemo(env);
    expect(demo.logins.get('admin')).toEqual(admin);
    // The admin password was printed on the first start only.
    expect(demo.output()).not.toContain(admin.password);
    const token2 = await login(demo.url, admin.username, admin.password);
    const again = await get<unknown[]>(`${demo.url}/api/v1/schools/${school.id}/taps?date=${today}`, token2);
    expect(again.length).toBeGreaterThanOrEqual(taps.length);
    const second = await stopDemo(demo);
    expect(second.code).toBe(0);
    expect(second.leftovers).toEqual([]);
    expect(whileStopping(demo.output())).toEqual([]);
  }, 360_000);
});
