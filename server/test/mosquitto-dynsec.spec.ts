/**
 * Production broker accounts: a real Mosquitto 2 with its dynamic-security plugin on a free port.
 * Registering a device creates the gateway's client and ACL there; the gateway logs in with the
 * issued secret and only under its own topics; revoking removes it. Skipped (saying why) where
 * Mosquitto or its plugin is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { topicFor } from '@rfid/protocol';
import { freePort } from '../src/db/embedded-postgres.js';
import { Database } from '../src/db/database.service.js';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin } from './support/api.js';

const PLUGIN = [
  '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
  '/usr/lib/mosquitto_dynamic_security.so',
  '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
].find(existsSync);
const HAVE =
  spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined &&
  spawnSync('mosquitto_ctrl', ['--help'], { stdio: 'ignore' }).error === undefined &&
  PLUGIN;
if (!HAVE)
  console.warn(
    'mosquitto dynsec tests skipped: mosquitto, mosquitto_ctrl or mosquitto_dynamic_security.so missing (apt-get install mosquitto mosquitto-clients)',
  );
const describeDynsec = HAVE ? describe : describe.skip;

describeDynsec('Mosquitto dynamic security kept in step with the device registry', () => {
  let dir: string;
  let broker: ChildProcess;
  let url: string;
  let server: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rfid-dynsec-'));
    const port = await freePort();
    const init = spawnSync(
      'mosquitto_ctrl',
      ['dynsec', 'init', path.join(dir, 'dynsec.json'), 'rfid-server', 'server-secret-1'],
      { encoding: 'utf8' },
    );
    if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr}`);
    // Mosquitto started as root drops to the `mosquitto` user, which must read and write the store.
    chmodSync(dir, 0o777);
    chmodSync(path.join(dir, 'dynsec.json'), 0o666);
    writeFileSync(
      path.join(dir, 'mosquitto.conf'),
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `plugin ${PLUGIN}`,
        `plugin_opt_config_file ${path.join(dir, 'dynsec.json')}`,
        '',
      ].join('\n'),
    );
    broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    url = `mqtt://127.0.0.1:${port}`;
    await pollUntil(
      () =>
        mqtt
          .connectAsync(url, { username: 'rfid-server', password: 'server-secret-1', reconnectPeriod: 0 })
          .then((c) => c.endAsync().then(() => true)),
      { what: 'mosquitto', timeoutMs: 10_000, intervalMs: 100 },
    );
    server = await startTestServer({
      mqttUrl: url,
      mqttUsername: 'rfid-server',
      mqttPassword: 'server-secret-1',
      mqttDynsec: true,
    });
  });

  afterAll(async () => {
    await server?.stop();
    broker?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a registered gateway logs in with its secret, publishes taps that are stored and acked', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'cổng chính');
    const gw = await TestGateway.connect(url, school.schoolId, creds.gatewayId, creds.mqttPassword);
    const tap = gw.tap(school.students[0]!.card, '2026-11-23T06:50:00+07:00');
    await gw.publish([tap]);
    await pollUntil(() => gw.acked.has(tap.id), { what: 'ack through mosquitto' });
    const rows = await server.app
      .get(Database)
      .query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id]);
    expect(rows[0]!.n).toBe('1');
    await gw.close();
  });

  it('refuses a wrong secret and any topic outside the gateway’s own subtree', async () => {
    const a = await seedSchool(server.directory, 1);
    const b = await seedSchool(server.directory, 1);
    const ga = await server.devices.register(a.schoolId, 'A');
    const gb = await server.devices.register(b.schoolId, 'B');
    await expect(
      mqtt.connectAsync(url, { username: ga.gatewayId, password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    const client = await mqtt.connectAsync(url, {
      username: ga.gatewayId,
      password: ga.mqttPassword,
      reconnectPeriod: 0,
    });
    const own = await client.subscribeAsync(topicFor(a.schoolId, ga.gatewayId, 'acks'), { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1]);
    // SUBACK 0x80 for another gateway's subtree (mqtt.js turns it into an error).
    await expect(
      client.subscribeAsync(topicFor(b.schoolId, gb.gatewayId, 'acks'), { qos: 1 }),
    ).rejects.toThrow(/Subscribe error/);
    await client.endAsync();
  });

  it('rotating a secret: the open session gets the new one by cmd before the account switches; new logs in, old refused', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'cổng phụ');
    const session = await mqtt.connectAsync(url, {
      username: creds.gatewayId,
      password: creds.mqttPassword,
      reconnectPeriod: 0,
    });
    const cmdTopic = topicFor(school.schoolId, creds.gatewayId, 'cmd');
    await session.subscribeAsync(cmdTopic, { qos: 1 });
    const commands: { type: string; password?: string }[] = [];
    session.on('message', (topic, payload) => {
      if (topic === cmdTopic)
        commands.push(JSON.parse(payload.toString('utf8')) as (typeof commands)[number]);
    });
    const admin = await asAdmin(server);
    const res = await admin.post(`/devices/${creds.gatewayId}/secret`, { graceSeconds: 3600 });
    expect(res.status).toBe(201);
    const rotated = res.body as { mqttPassword: string; sentToGateway: boolean };
    expect(rotated.sentToGateway).toBe(true);
    await pollUntil(() => commands.some((c) => c.type === 'secret'), {
      what: 'secret cmd on the open session',
    });
    expect(commands.find((c) => c.type === 'secret')!.password).toBe(rotated.mqttPassword);
    const renewed = await mqtt.connectAsync(url, {
      username: creds.gatewayId,
      password: rotated.mqttPassword,
      reconnectPeriod: 0,
    });
    await renewed.endAsync();
    await expect(
      mqtt.connectAsync(url, { username: creds.gatewayId, password: creds.mqttPassword, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    session.end(true);
  });

  it('revoking a gateway removes its account at once', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'old box');
    const client = await mqtt.connectAsync(url, {
      username: creds.gatewayId,
      password: creds.mqttPassword,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    await server.devices.revoke(creds.gatewayId);
    await closed;
    await expect(
      mqtt.connectAsync(url, { username: creds.gatewayId, password: creds.mqttPassword, reconnectPeriod: 0 }),
    ).rejects.toThrow(/Not authorized|Bad username/i);
    client.end(true);
  });
});
