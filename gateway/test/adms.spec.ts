/**
 * ZKTeco ADMS terminals (firmware-sim) against the gateway over real HTTP, with the real SQLite
 * queue and an MQTT stand-in of the server: punches stored once each (also when pushed again after
 * a reconnect and after a gateway restart), user lists in step with the roster, an unknown SN
 * refused, a PIN of a user made at the device an unknown tap, a wrong terminal clock corrected.
 */
import { rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import {
  ManualClock,
  cardToText,
  makeCardId,
  parseCardText,
  toAdmsCardNumber,
  toAdmsName,
  toAdmsTime,
  type RosterMessage,
} from '@rfid/protocol';
import { SimulatedAdmsTerminal } from '@rfid/firmware-sim';
import { AdmsStore } from '../src/adms-store.js';
import { parseGatewayConfig, startGateway, type GatewayHandle } from '../src/index.js';
import { ServerStandIn, TestBroker, tempDir, waitFor } from './helpers.js';

const SCHOOL = 'kt-adms';
const GATEWAY = 'gw-adms';
const silent = pino({ level: 'silent' });
const card = (i: number) => makeCardId('em4100', 40, (0x0100a00000 + i).toString(16));
const names = ['Nguyễn Văn An', 'Y Liên', 'A Sang', 'Trần Thị Đào', 'Hoàng Bảo Ngọc'];

function roster(
  version: number,
  indexes: readonly number[],
  rename: Record<number, string> = {},
): RosterMessage {
  return {
    version,
    cards: indexes.map((i) => ({
      card: cardToText(card(i)),
      name: rename[i] ?? `${names[i % names.length]} ${i}`,
      class: '6A',
    })),
  };
}

/** What the terminal should hold for a roster: card number → name. */
function expectedUsers(r: RosterMessage): Map<string, string> {
  return new Map(r.cards.map((c) => [toAdmsCardNumber(parseCardText(c.card)), toAdmsName(c.name)]));
}

function heldUsers(t: SimulatedAdmsTerminal): Map<string, string> {
  return new Map([...t.users.values()].filter((u) => Number(u.pin) >= 10001).map((u) => [u.card, u.name]));
}

function post(port: number, pathAndQuery: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: pathAndQuery }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('ADMS terminals through the gateway', () => {
  const clock = new ManualClock('2026-12-01T06:40:00+07:00');
  let broker: TestBroker;
  let standIn: ServerStandIn;
  let dir: string;
  let gateway: GatewayHandle;
  let port = 0;
  const terminals: SimulatedAdmsTerminal[] = [];
  const roster1 = roster(
    1,
    Array.from({ length: 40 }, (_, i) => i),
  );

  const config = () =>
    parseGatewayConfig({
      schoolId: SCHOOL,
      gatewayId: GATEWAY,
      mqtt: { url: broker.url },
      dataDir: dir,
      logLevel: 'silent',
      statusIntervalSeconds: 1,
      adms: { pollSeconds: 1, commandRetrySeconds: 2 },
      terminals: [
        {
          id: 'gate-a',
          format: 'adms',
          sn: 'CQZ7224460001',
          source: `adms://127.0.0.1:${port}`,
          direction: 'in',
        },
        {
          id: 'gate-b',
          format: 'adms',
          sn: 'CQZ7224460002',
          source: `adms://127.0.0.1:${port}`,
          direction: 'in',
        },
        { id: 'gate-c', format: 'adms', sn: 'CQZ7224460003', source: `adms://127.0.0.1:${port}` },
      ],
    });

  const sim = (sn: string, over: Partial<ConstructorParameters<typeof SimulatedAdmsTerminal>[0]> = {}) => {
    const t = new SimulatedAdmsTerminal({
      id: sn,
      sn,
      server: `http://127.0.0.1:${port}`,
      clock,
      pushEveryMs: 20,
      pollEveryMs: 50,
      errorDelayMs: 100,
      logger: silent,
      ...over,
    });
    terminals.push(t);
    t.start();
    return t;
  };

  async function startGw(): Promise<void> {
    gateway = await startGateway(config(), { clock, logger: silent, mqttReconnectMs: 200 });
    port = gateway.admsPorts[0]!;
    await waitFor(
      () => gateway.status().mqttConnected && gateway.status().roster.version >= 1,
      'gateway up with roster',
    );
  }

  beforeAll(async () => {
    broker = await new TestBroker().start();
    standIn = await new ServerStandIn(broker.url).start();
    await standIn.publishRoster(SCHOOL, GATEWAY, roster1);
    dir = tempDir('gw-adms-');
    await startGw();
  });

  afterAll(async () => {
    for (const t of terminals) await t.close();
    await gateway.stop();
    await standIn.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tapsOf = (terminal: string) => standIn.taps.filter((t) => t.terminal === terminal);
  const uniqueTaps = () => new Set([...standIn.byId.values()].map((t) => `${t.terminal}|${t.raw}`));

  let a: SimulatedAdmsTerminal;
  let b: SimulatedAdmsTerminal;

  it('answers the handshake with real-time push and the school offset, and fills each terminal with the roster', async () => {
    a = sim('CQZ7224460001');
    const handshake = new Promise<Record<string, string>>((resolve) => a.once('handshake', resolve));
    b = sim('CQZ7224460002');
    expect(await handshake).toMatchObject({ Realtime: '1', TimeZone: '7', Delay: '1', ATTLOGStamp: '9999' });
    const want = expectedUsers(roster1);
    await waitFor(() => heldUsers(a).size === 40 && heldUsers(b).size === 40, 'both user lists filled');
    expect(heldUsers(a)).toEqual(want);
    expect(heldUsers(b)).toEqual(want);
    // The same card has the same PIN on every terminal.
    const pinsA = new Map([...a.users.values()].map((u) => [u.card, u.pin]));
    for (const u of b.users.values()) expect(pinsA.get(u.card)).toBe(u.pin);
    await waitFor(
      () => gateway.status().terminals.filter((t) => t.online).length === 2,
      'both terminals online',
    );
    expect(gateway.status().terminals.find((t) => t.id === 'gate-c')).toMatchObject({
      online: false,
      lastSeen: null,
    });
  });

  it('stores a rush of punches once each, with the terminal time in the school zone', async () => {
    for (let i = 0; i < 80; i++) {
      clock.advance(1500);
      await (i % 2 ? b : a).tap(card(i % 40));
    }
    await waitFor(() => a.unsent === 0 && b.unsent === 0, 'terminals pushed everything');
    await waitFor(() => standIn.byId.size === 80, '80 taps at the server', 15_000);
    expect(uniqueTaps().size).toBe(80);
    const first = tapsOf('gate-a')[0]!;
    expect(first).toMatchObject({
      card: cardToText(card(0)),
      direction: 'in',
      at: '2026-12-01T06:40:01.000+07:00',
    });
    const pin0 = [...a.users.values()].find((u) => u.card === toAdmsCardNumber(card(0)))!.pin;
    expect(first.raw.split('\t').slice(0, 2)).toEqual([pin0, '2026-12-01 06:40:01']);
  });

  it('stores lines pushed again after a terminal reconnects only once', async () => {
    await a.disconnect();
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await a.tap(card(i));
    }
    a.reconnect(40); // all 40 already answered OK plus the 5 new ones
    await waitFor(() => a.unsent === 0, 'repushed');
    await waitFor(() => standIn.byId.size === 85, '5 new taps');
    expect(gateway.admsCounters!.repushed).toBeGreaterThanOrEqual(40);
    expect(uniqueTaps().size).toBe(85);
  });

  it('stores nothing twice when a terminal pushes its whole log again after a gateway restart', async () => {
    await gateway.stop();
    await startGw();
    a.reconnect(a.logSize);
    b.reconnect(b.logSize);
    await waitFor(() => a.unsent === 0 && b.unsent === 0, 'repushed after restart', 15_000);
    expect(gateway.admsCounters!.repushed).toBe(a.logSize + b.logSize); // a fresh process: counted from 0
    clock.advance(1000);
    await b.tap(card(7));
    await waitFor(() => standIn.byId.size === 86, 'one new tap');
    expect(uniqueTaps().size).toBe(86);
  });

  it('keeps user lists in step with roster changes: added, removed, lost card, renamed', async () => {
    // Cards 0–4 lost (replaced by 40–44), 35–39 left the school, 10 renamed, 45–49 joined.
    const kept = Array.from({ length: 30 }, (_, i) => i + 5);
    const roster2 = roster(2, [...kept, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49], { 10: 'Y Liên Mới' });
    await standIn.publishRoster(SCHOOL, GATEWAY, roster2);
    const want = expectedUsers(roster2);
    const same = (t: SimulatedAdmsTerminal) => {
      const held = heldUsers(t);
      return held.size === want.size && [...want].every(([c, n]) => held.get(c) === n);
    };
    await waitFor(() => same(a) && same(b), 'user lists converged', 15_000);
    // A lost card no longer punches; the terminal says "Unregistered".
    expect((await a.tap(card(0))).result).toBe('DROPPED');
  });

  it('retries a command the terminal refused until it is done', async () => {
    const roster3 = roster(3, [
      ...Array.from({ length: 30 }, (_, i) => i + 5),
      40,
      41,
      42,
      43,
      44,
      45,
      46,
      47,
      48,
      49,
      50,
    ]);
    a.refuseCommands(1);
    await standIn.publishRoster(SCHOOL, GATEWAY, roster3);
    await waitFor(() => a.stats.commandsRefused === 1, 'refused once');
    clock.advance(3000); // past the retry delay
    await waitFor(() => heldUsers(a).has(toAdmsCardNumber(card(50))), 'applied on retry', 15_000);
    expect(gateway.admsCounters!.commandsFailed).toBe(0);
  });

  it('refuses a terminal whose SN is not configured, and stores none of its pushes', async () => {
    const stranger = sim('UNKNOWN0001');
    const refused = new Promise<{ status: number }>((resolve) => stranger.once('refused', resolve));
    expect((await refused).status).toBe(403);
    const r = await post(
      port,
      '/iclock/cdata?SN=UNKNOWN0001&table=ATTLOG',
      '10001\t2026-12-01 06:50:00\t0\t4\n',
    );
    expect(r.status).toBe(403);
    expect(gateway.admsCounters!.refused).toBeGreaterThanOrEqual(2);
    expect((await post(port, '/iclock/cdata?table=ATTLOG', '')).status).toBe(400);
    await stranger.close();
  });

  it('turns a PIN enrolled at the device with a card into an unknown tap, and keeps a PIN with no card aside', async () => {
    const n = standIn.byId.size;
    const staffCard = makeCardId('em4100', 32, '00442AC1'); // printed 0004467393
    b.enrolAtDevice({ pin: '55', name: 'Thay Binh', card: toAdmsCardNumber(staffCard) });
    clock.advance(1000);
    await b.tap(staffCard);
    b.punch('77'); // a fingerprint-only user made at the device: no card anywhere
    await waitFor(() => b.unsent === 0 && standIn.byId.size === n + 1, 'one tap of the device-made user');
    const tap = [...standIn.byId.values()].find((t) => t.card === cardToText(staffCard));
    expect(tap).toMatchObject({ terminal: 'gate-b' });
    expect(gateway.admsCounters!.orphans).toBe(1);
    await gateway.stop(); // read the store while nothing else holds it
    const store = new AdmsStore(path.join(dir, 'adms.sqlite'));
    expect(store.orphans('CQZ7224460002')).toEqual([expect.objectContaining({ pin: 77 })]);
    store.close();
    await startGw();
  });

  it('answers OK to a push with bad lines, storing the good ones and keeping the bad ones for inspection', async () => {
    const n = standIn.byId.size;
    const pin = [...a.users.values()].find((u) => u.card === toAdmsCardNumber(card(20)))!.pin;
    const time = toAdmsTime(clock.now(), 'Asia/Ho_Chi_Minh');
    const r = await post(
      port,
      '/iclock/cdata?SN=CQZ7224460001&table=ATTLOG',
      `${pin}\t${time}\t0\t4\r\ngarbage line\r\n${pin}\t2026-13-01 06:58:00\t0\t4\r\n`,
    );
    expect(r).toEqual({ status: 200, body: 'OK' });
    await waitFor(() => standIn.byId.size === n + 1, 'the good line');
    await gateway.stop();
    const store = new AdmsStore(path.join(dir, 'adms.sqlite'));
    expect(store.badLines('CQZ7224460001').map((l) => l.line)).toEqual([2, 3]);
    store.close();
    await startGw();
  });

  it('corrects a terminal clock that is an hour fast by the offset measured from its pushes', async () => {
    const c = sim('CQZ7224460003', { clockOffsetMs: 3_600_000 });
    await waitFor(() => heldUsers(c).size === 41, 'gate-c filled', 15_000);
    clock.set('2026-12-01T06:59:30+07:00');
    await c.tap(card(20));
    await waitFor(() => tapsOf('gate-c').length === 1, 'gate-c tap');
    // The terminal said 07:59:30; the student came at 06:59:30 (on time, not late).
    expect(tapsOf('gate-c')[0]!.at).toBe('2026-12-01T06:59:30.000+07:00');
    expect(tapsOf('gate-c')[0]!.raw).toContain('2026-12-01 07:59:30');
  });
});
