/**
 * MQTT over TLS on the embedded broker (CONTRACT §5): a CA and server certificate generated on
 * first start in `{DATA_DIR}/tls/` and kept for the next; a gateway that trusts that CA logs in
 * and its taps are stored and acked; a wrong CA, no CA, a wrong host name or plain MQTT on the
 * TLS port are refused before any credential is sent. Free ports only (never 8883).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { Database } from '../src/db/database.service.js';
import { generateBrokerCertificates, loadBrokerTls } from '../src/mqtt/broker-tls.js';
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin } from './support/api.js';

describe('MQTT over TLS on the embedded broker', () => {
  let dataDir: string;
  let server: TestServer;
  let ca: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rfid-tls-'));
    server = await startTestServer({ mqttsPort: 0, dataDir, tlsNames: ['localhost'] });
    ca = readFileSync(server.tlsCaPath!, 'utf8');
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates a CA and a server certificate for localhost, 127.0.0.1 and the host name in DATA_DIR/tls', () => {
    expect(server.tlsCaPath).toBe(path.join(dataDir, 'tls', 'ca.crt'));
    expect(server.mqttsUrl).toBe(`mqtts://localhost:${server.mqttsPort}`);
    expect(server.mqttsPort).not.toBe(8883);
    for (const f of ['ca.crt', 'server.crt', 'server.key'])
      expect(existsSync(path.join(dataDir, 'tls', f))).toBe(true);
    expect(statSync(path.join(dataDir, 'tls', 'server.key')).mode & 0o077).toBe(0);
    const cert = new X509Certificate(readFileSync(path.join(dataDir, 'tls', 'server.crt')));
    expect(cert.checkIssued(new X509Certificate(ca))).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.ca).toBe(false);
    expect(new X509Certificate(ca).ca).toBe(true);
  });

  it('carries a gateway’s taps end to end when it trusts the generated CA', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'cổng TLS');
    const gw = await TestGateway.connect(
      server.mqttsUrl!,
      school.schoolId,
      creds.gatewayId,
      creds.mqttPassword,
      { ca },
    );
    const tap = gw.tap(school.students[0]!.card, '2026-11-23T06:50:00+07:00');
    await gw.publish([tap]);
    await pollUntil(() => gw.acked.has(tap.id), { what: 'ack over TLS' });
    const rows = await server.app
      .get(Database)
      .query<{ n: string }>('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id]);
    expect(rows[0]!.n).toBe('1');
    await gw.close();
  });

  it('refuses a wrong CA, no CA, a wrong host name and plain MQTT on the TLS port', async () => {
    const school = await seedSchool(server.directory, 1);
    const creds = await server.devices.register(school.schoolId, 'cổng TLS 2');
    const other = await generateBrokerCertificates(['localhost'], new Date());
    // What a connection attempt ends with: the error's message, `connected`, or `no answer`.
    const attempt = async (url: string, extra: object): Promise<string> => {
      const client = mqtt.connect(url, {
        username: creds.gatewayId,
        password: creds.mqttPassword,
        reconnectPeriod: 0,
        connectTimeout: 3000,
        ...extra,
      });
      const outcome = await new Promise<string>((resolve) => {
        client.once('connect', () => resolve('connected'));
        client.once('error', (e) => resolve(e.message));
        client.once('close', () => resolve('closed'));
      });
      await client.endAsync(true);
      return outcome;
    };
    expect(await attempt(server.mqttsUrl!, { ca: other.ca, rejectUnauthorized: true })).toMatch(
      /certificate|self.signed|verify/i,
    );
    expect(await attempt(server.mqttsUrl!, { rejectUnauthorized: true })).toMatch(
      /certificate|self.signed|verify/i,
    );
    expect(
      await attempt(`mqtts://127.0.0.1:${server.mqttsPort}`, {
        ca,
        rejectUnauthorized: true,
        servername: 'gateway.wrong.example',
      }),
    ).toMatch(/altnames|does not match|Hostname/i);
    expect(await attempt(`mqtt://127.0.0.1:${server.mqttsPort}`, {})).not.toBe('connected');
    // The same CA and name, with the right credentials, still work after all that.
    const ok = await TestGateway.connect(
      server.mqttsUrl!,
      school.schoolId,
      creds.gatewayId,
      creds.mqttPassword,
      { ca },
    );
    await ok.close();
  });

  it('hands out a ready gateway config file at registration, and a gateway logs in with just that file', async () => {
    const school = await seedSchool(server.directory, 1);
    const admin = await asAdmin(server);
    const res = await admin.post('/devices', { schoolId: school.schoolId, name: 'hộp cổng' });
    expect(res.status).toBe(201);
    const { config, mqttPassword, gatewayId } = res.body as {
      gatewayId: string;
      mqttPassword: string;
      config: {
        schoolId: string;
        gatewayId: string;
        timeZone: string;
        dataDir: string;
        terminals: unknown[];
        mqtt: { url: string; username: string; password: string; ca?: string };
      };
    };
    expect(config).toMatchObject({
      schoolId: school.schoolId,
      gatewayId,
      timeZone: 'Asia/Ho_Chi_Minh',
      dataDir: '/var/lib/rfid-gateway',
      terminals: [],
    });
    expect(config.mqtt).toEqual({
      url: `mqtts://localhost:${server.mqttsPort}`,
      username: gatewayId,
      password: mqttPassword,
      ca,
    });
    const gw = await TestGateway.connect(
      config.mqtt.url,
      config.schoolId,
      config.mqtt.username,
      config.mqtt.password,
      { ca: config.mqtt.ca! },
    );
    await gw.close();
  });

  it('keeps the generated files for the next start, and takes real ones by path', async () => {
    const again = await loadBrokerTls({ dataDir, now: new Date() });
    expect(again.generated).toBe(false);
    expect(again.ca).toBe(ca);
    const given = await loadBrokerTls({
      certPath: again.certPath,
      keyPath: again.keyPath,
      caPath: again.caPath!,
      dataDir: '/nonexistent',
      now: new Date(),
    });
    expect(given).toMatchObject({ generated: false, certPath: again.certPath, ca });
    await expect(
      loadBrokerTls({
        certPath: path.join(dataDir, 'nope.crt'),
        keyPath: again.keyPath,
        dataDir,
        now: new Date(),
      }),
    ).rejects.toThrow(/TLS_CERT .*nope\.crt cannot be read/);
  });
});
