/**
 * Secret rotation without losing a tap (issue #16): while a smart terminal taps without pause,
 * the server sends the gateway its new secret (`cmd` `secret`); the gateway stores it, reconnects
 * with it, and once the old secret is refused every tap has still arrived exactly once. A restart
 * logs in with the stored secret; a newer password written into the config file wins over it.
 */
import { rmSync } from 'node:fs';
import pino from 'pino';
import { makeCardId, newTapId } from '@rfid/protocol';
import { parseGatewayConfig, startGateway, type GatewayHandle } from '../src/index.js';
import { ServerStandIn, SmartTerminalSim, TestBroker, tempDir, waitFor } from './helpers.js';

const SCHOOL = 'kt-001';
const GATEWAY = 'gw-rotation';
const OLD = 'old-secret-0123456789abcdef';
const NEW = 'new-secret-fedcba9876543210';
const STANDIN = 'standin-password-4711';

describe('gateway secret rotation', () => {
  const accepted = new Set([OLD]);
  let broker: TestBroker;
  let standIn: ServerStandIn;
  let smart: SmartTerminalSim;
  let dir: string;
  let gateway: GatewayHandle | undefined;

  const start = (password: string) =>
    startGateway(
      parseGatewayConfig({
        schoolId: SCHOOL,
        gatewayId: GATEWAY,
        mqtt: { url: broker.url, username: GATEWAY, password },
        dataDir: dir,
        logLevel: 'silent',
        resendAfterSeconds: 1,
        terminals: [{ id: 'gate', source: smart.source, format: 'smart' }],
      }),
      {
        logger: pino({ level: 'silent' }),
        terminalBackOff: { initialMs: 50, maxMs: 200 },
        mqttReconnectMs: 100,
      },
    );

  beforeAll(async () => {
    dir = tempDir();
    broker = await new TestBroker((u, p) =>
      u === 'standin' ? p === STANDIN : u === GATEWAY && p !== undefined && accepted.has(p),
    ).start();
    standIn = await new ServerStandIn(broker.url.replace('mqtt://', `mqtt://standin:${STANDIN}@`)).start();
    smart = await new SmartTerminalSim(200).start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await standIn.stop();
    await smart.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every tap flowing through the switch, then logs in with the new secret only', async () => {
    gateway = await start(OLD);
    await waitFor(() => gateway!.status().mqttConnected && smart.connected, 'gateway up');
    let n = 0;
    const tapping = setInterval(
      () => smart.tap(makeCardId('em4100', 40, (0x0400000000 + n++).toString(16))),
      20,
    );
    try {
      await waitFor(() => standIn.byId.size >= 10, 'taps before the rotation');
      accepted.add(NEW); // the server accepts both during the grace period
      await standIn.publishCommand(SCHOOL, GATEWAY, { id: newTapId(), type: 'secret', password: NEW });
      await waitFor(() => broker.logins.some((l) => l.password === NEW && l.ok), 'login with the new secret');
      accepted.delete(OLD); // grace period over
      const after = standIn.byId.size;
      await waitFor(() => standIn.byId.size >= after + 10, 'taps after the rotation');
    } finally {
      clearInterval(tapping);
    }
    await waitFor(
      () => smart.unacked === 0 && gateway!.status().queue.depth === 0,
      'every tap acked by terminal and server',
    );
    expect(standIn.byId.size).toBe(n);
    expect(new Set([...standIn.byId.values()].map((t) => t.seq)).size).toBe(n);
    expect(broker.logins.filter((l) => !l.ok)).toEqual([]);
    await gateway.stop();
    gateway = undefined;

    // Restart with the old config file: the stored secret is used, the refused old one is not tried.
    const logins = broker.logins.length;
    gateway = await start(OLD);
    await waitFor(() => gateway!.status().mqttConnected, 'reconnected after restart');
    expect(broker.logins.slice(logins).map((l) => l.password)).toEqual([NEW]);
    await gateway.stop();
    gateway = undefined;

    // The operator writes a newer secret into the config file: the file wins.
    const NEWER = 'newer-secret-from-the-config-file';
    accepted.add(NEWER);
    gateway = await start(NEWER);
    await waitFor(() => gateway!.status().mqttConnected, 'connected with the config file secret');
    expect(broker.logins.at(-1)).toMatchObject({ password: NEWER, ok: true });
  });
});
