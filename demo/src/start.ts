/**
 * `npm start`: the whole system on one machine, with nothing installed but Node and npm.
 *
 *   server (child: embedded PostgreSQL + embedded MQTT broker + web)   ← seeded over its own API
 *   one gateway per demo school (child processes, as on the schools' edge boxes)
 *   simulated gate terminals (in this process, TCP like a serial-device server) playing an
 *   accelerated morning rush of the sample students, in a loop
 *
 * Environment: HTTP_PORT (3000), MQTT_PORT (1883), DATA_DIR (./data), ADMIN_PASSWORD,
 * DATABASE_URL / MQTT_URL (external services instead of the embedded ones), DEMO_SPEED (10: plan
 * minutes per real minute), DEMO_MINUTES (20: length of one rush). A second start reuses the data.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import {
  createTerminal,
  loadRosterCsv,
  morningRush,
  runPlan,
  SimulatedAdmsTerminal,
  type TapTaker,
} from '@rfid/firmware-sim';
import { ApiClient, waitFor } from './api-client.js';
import { loadOrCreateCredentials, type DemoCredentials } from './credentials.js';
import { seedDemo, type SeededSchool } from './seed.js';
import { Supervisor } from './supervisor.js';
import { startProviderSims, type ProviderSims } from '@rfid/provider-sim';

const root = path.resolve(import.meta.dirname, '..', '..');
const samplesDir = path.join(root, 'demo', 'samples');

const EnvSchema = z.object({
  HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  MQTT_PORT: z.coerce.number().int().min(1).max(65535).default(1883),
  DATA_DIR: z.string().default('./data'),
  ADMIN_PASSWORD: z.string().min(12).optional(),
  DATABASE_URL: z.string().url().optional(),
  MQTT_URL: z.string().url().optional(),
  DEMO_SPEED: z.coerce.number().positive().default(10),
  DEMO_MINUTES: z.coerce.number().positive().default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});

function parseEnv(): z.infer<typeof EnvSchema> {
  const r = EnvSchema.safeParse(process.env);
  if (!r.success) {
    for (const i of r.error.issues) process.stderr.write(`demo: ${i.path.join('.')}: ${i.message}\n`);
    process.exit(2);
  }
  return r.data;
}

/** §6 variables that switch a real provider on: when none is set, the demo runs the stand-ins. */
const PROVIDER_VARIABLES = ['ZALO_APP_ID', 'SMS_PROVIDER', 'SMTP_URL', 'VAPID_PUBLIC_KEY'];

/** CONTRACT §5: the embedded broker's TLS listener and where its (generated or given) CA is. */
function brokerTls(dataDir: string): { url: string; caPath: string | null } | null {
  const port = process.env.MQTTS_PORT ?? '8883';
  if (port === 'off' || process.env.MQTT_URL) return null;
  const caPath = process.env.TLS_CA ?? (process.env.TLS_CERT ? null : path.join(dataDir, 'tls', 'ca.crt'));
  return { url: `mqtts://localhost:${port}`, caPath };
}

/**
 * What `npm start` prints: URLs, schools and logins by role and username. No personal data and
 * no password (issue 16) but a generated admin password, once, on the start that made it
 * (CONTRACT §5): the passwords stay in the credentials file (mode 0600), whose path is printed; a
 * parent's login is described without the child's name.
 */
function banner(
  httpUrl: string,
  creds: DemoCredentials,
  credsFile: string,
  adminFromEnv: boolean,
  /** CONTRACT §5: a generated admin password is printed once, on the start that made it. */
  adminOnce: string | null,
  schools: SeededSchool[],
  inboxUrl: string | null,
  /** The broker's TLS port and the CA gateways trust (generated on the first start); null when off. */
  tls: { url: string; caPath: string | null } | null,
): string {
  const rows = [
    [
      'admin',
      'admin',
      adminOnce ? `the whole province; password ${adminOnce} (printed this once)` : 'the whole province',
    ],
    ...creds.users.map((u) => [u.role, u.username, u.role === 'parent' ? 'their own child only' : u.scope]),
  ];
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  return [
    '',
    'Hệ thống Thẻ Điểm danh thông minh — demo is running',
    `  Web: ${httpUrl}/`,
    `  API: ${httpUrl}/api/docs`,
    inboxUrl
      ? `  Parents' phone inbox (provider stand-ins): ${inboxUrl}`
      : '  Parent notifications: the real providers of the §6 variables',
    ...(tls
      ? [`  Gateways over TLS: ${tls.url}${tls.caPath ? `, trusting the CA in ${tls.caPath}` : ''}`]
      : []),
    `  Schools: ${schools.map((s) => `${s.code} ${s.name}`).join(', ')}`,
    `  Logins (role, username, sees); passwords in ${credsFile} (readable by you only)${
      adminFromEnv ? ', admin: the ADMIN_PASSWORD you set' : ''
    }:`,
    ...rows.map((r) => `  login ${r[0]!.padEnd(width(0))}  ${r[1]!.padEnd(width(1))}  ${r[2]}`),
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const env = parseEnv();
  const dataDir = path.resolve(env.DATA_DIR);
  const demoDir = path.join(dataDir, 'demo');
  mkdirSync(path.join(demoDir, 'gateways'), { recursive: true });
  const credsFile = path.join(demoDir, 'credentials.json');
  const firstStart = !existsSync(credsFile);
  const creds = loadOrCreateCredentials(credsFile);
  const adminPassword = env.ADMIN_PASSWORD ?? creds.adminPassword;
  const httpUrl = `http://localhost:${env.HTTP_PORT}`;
  const mqttUrl = env.MQTT_URL ?? `mqtt://127.0.0.1:${env.MQTT_PORT}`;

  // Parent notifications: local stand-ins for Zalo, SMS, e-mail and push unless a real provider is configured.
  let sims: ProviderSims | null = null;
  if (!PROVIDER_VARIABLES.some((v) => process.env[v]))
    sims = await startProviderSims({ callbackBase: httpUrl });

  const supervisor = new Supervisor();
  const abort = new AbortController();
  const terminals: Gate[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      process.stderr.write('[demo] stopping …\n');
      abort.abort();
      // Gateways first (last started, first stopped), then the server; the terminals they read
      // close after them, so no gateway reports a lost terminal link on a clean stop.
      await supervisor.stopAll();
      await Promise.allSettled(terminals.map((t) => t.close()));
      await sims?.stop().catch(() => undefined);
      process.stderr.write('[demo] stopped\n');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const server = supervisor.start('server', path.join(root, 'server/dist/main.js'), [], {
    HTTP_PORT: String(env.HTTP_PORT),
    MQTT_PORT: String(env.MQTT_PORT),
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: adminPassword,
    JWT_SECRET: creds.jwtSecret,
    LOG_LEVEL: env.LOG_LEVEL,
    DATABASE_URL: env.DATABASE_URL,
    MQTT_URL: env.MQTT_URL,
    ...(sims?.env ?? {}),
  });
  void server.exited.then((code) => {
    if (!stopping) void stop(code ?? 1);
  });

  const api = new ApiClient(httpUrl);
  await waitFor(
    async () => (await fetch(`${httpUrl}/readyz`)).ok,
    120_000,
    `the server at ${httpUrl}/readyz`,
  );
  await api.login('admin', adminPassword);
  // The rush's bell is 75 % into the plan (firmware-sim's default), played DEMO_SPEED times faster.
  const bellInSeconds = (env.DEMO_MINUTES * 0.75 * 60) / env.DEMO_SPEED;
  const seeded = await seedDemo(api, samplesDir, creds, credsFile, {
    bellInSeconds,
  });

  const admsNotes: string[] = [];
  for (const [index, school] of seeded.entries()) {
    // The second school kept the ZKTeco terminal it bought for staff time-keeping (ADMS over HTTP).
    const adms = index === 1 ? await admsGate(school) : undefined;
    const gates: Gate[] = await Promise.all([
      createTerminal({ id: 'cong-chinh', kind: 'smart', link: { type: 'tcp', host: '127.0.0.1', port: 0 } }),
      adms ??
        createTerminal({
          id: 'cong-phu',
          kind: 'rdm6300',
          link: { type: 'tcp', host: '127.0.0.1', port: 0 },
          holdMs: 200,
        }),
    ]);
    terminals.push(...gates);
    if (adms)
      admsNotes.push(
        `  ${school.code}: ZKTeco ADMS terminal ${adms.sn} → cloud server ${adms.options.server}`,
      );
    const configPath = path.join(demoDir, 'gateways', `${school.code}.json`);
    writeFileSync(
      configPath,
      JSON.stringify(
        {
          schoolId: school.id,
          gatewayId: school.gateway.gatewayId,
          mqtt: {
            url: mqttUrl,
            username: school.gateway.mqttUsername,
            password: school.gateway.mqttPassword,
          },
          dataDir: path.join(demoDir, 'gateways', school.code),
          timeZone: school.timeZone,
          terminals: gates.map((g) => ({ ...g.gatewayConfig(), direction: 'in' })),
          adms: { pollSeconds: 2 }, // the ADMS terminal's user list arrives within seconds
          logLevel: env.LOG_LEVEL, // the gateways log at the demo's level, as the server does
        },
        null,
        2,
      ),
      { mode: 0o600 },
    );
    supervisor.start(
      `gateway ${school.code}`,
      path.join(root, 'gateway/dist/cli.js'),
      ['run', '--config', configPath],
      {},
    );
    adms?.start();
    void rushForever(school, gates, env.DEMO_MINUTES, env.DEMO_SPEED, abort.signal);
  }

  process.stdout.write(
    `${banner(httpUrl, creds, credsFile, env.ADMIN_PASSWORD !== undefined, firstStart && !env.ADMIN_PASSWORD ? adminPassword : null, seeded, sims ? sims.inbox.url : null, brokerTls(dataDir))}${admsNotes.join('\n')}\n`,
  );
}

type Gate = TapTaker & {
  waitForGateway(timeoutMs?: number): Promise<boolean>;
  gatewayConfig(): object;
  close(): Promise<void>;
};

/** A ZKTeco ADMS terminal for a school: its gateway listens on a free local port for it. */
async function admsGate(school: SeededSchool): Promise<SimulatedAdmsTerminal> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  return new SimulatedAdmsTerminal({
    id: 'cong-phu',
    sn: `DEMO${school.code}`,
    server: `http://127.0.0.1:${port}`,
    timeZone: school.timeZone,
  });
}

/** The school's students arrive at its gates, rush after rush, until the demo stops. */
async function rushForever(
  school: SeededSchool,
  gates: Gate[],
  minutes: number,
  speed: number,
  signal: AbortSignal,
): Promise<void> {
  const { students } = await loadRosterCsv(path.join(samplesDir, 'students.csv'), { schoolId: school.code });
  await Promise.all(gates.map((g) => g.waitForGateway(60_000)));
  for (let round = 1; !signal.aborted; round++) {
    const plan = morningRush({ seed: round, students, minutes, terminals: gates.length });
    const result = await runPlan(plan, gates, { speed, signal });
    process.stderr.write(
      `[demo] ${school.code} rush ${round}: ${result.done}/${result.total} taps ${JSON.stringify(result.results)}\n`,
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.kill(process.pid, 'SIGTERM');
});
