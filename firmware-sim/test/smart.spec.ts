import pino from 'pino';
import { ManualClock, makeCardId } from '@rfid/protocol';
import {
  createTerminal,
  type AckEvent,
  type DisplayEvent,
  type SentEvent,
  type SimulatedTerminal,
} from '../src/index.js';
import { GatewayStandIn, pollUntil, socatAvailable } from './gateway-stand-in.js';

const logger = pino({ level: 'silent' });
const card = makeCardId('em4100', 40, '0415AB36C1');

describe('smart terminal: ACK, resend, give up', () => {
  let terminal: SimulatedTerminal;
  let gateway: GatewayStandIn | undefined;

  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    await terminal.close();
  });

  async function setUp(
    opts: Parameters<typeof GatewayStandIn.connect>[2],
    extra: Partial<Parameters<typeof createTerminal>[0]> = {},
  ): Promise<void> {
    terminal = await createTerminal({
      id: 'gate-1',
      kind: 'smart',
      link: { type: 'tcp', port: 0 },
      logger,
      ackTimeoutMs: 250,
      heartbeatMs: 0,
      clock: new ManualClock('2026-11-23T06:52:00+07:00'),
      ...extra,
    });
    gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'smart', opts);
    await pollUntil(() => terminal.connected, 'gateway connection');
  }

  it('shows the ACK text and result on the first try', async () => {
    await setUp({ ack: { result: 'OK', text: 'Nguyen Van An 06:52' } });
    const displays: DisplayEvent[] = [];
    terminal.events.on('display', (d: DisplayEvent) => displays.push(d));
    const outcome = await terminal.tap(card);
    expect(outcome).toMatchObject({ result: 'OK', text: 'Nguyen Van An 06:52', tries: 1, seq: 0 });
    expect(displays).toEqual([
      { terminal: 'gate-1', text: 'Nguyen Van An 06:52', buzzer: 'beep', result: 'OK', clock: '06:52' },
    ]);
    expect(terminal.stats.acks.OK).toBe(1);
  });

  it('resends the same TAP (same seq) until the ACK comes, then stops', async () => {
    await setUp({ ack: { dropFirst: 3, result: 'DUP', text: 'Da diem danh' } });
    const sent: SentEvent[] = [];
    terminal.events.on('sent', (e: SentEvent) => sent.push(e));
    const first = await terminal.tap(card);
    expect(first).toMatchObject({ result: 'DUP', tries: 4, seq: 0 });
    expect(sent.map((e) => e.bytes.toString())).toEqual(Array(4).fill('TAP,0,em4100,0415AB36C1\r\n'));
    expect(gateway!.events.filter((e) => e.kind === 'tap')).toHaveLength(4);
    expect(terminal.stats.resends).toBe(3);
    const second = await terminal.tap(card);
    expect(second).toMatchObject({ tries: 4, seq: 1 });
  });

  it('gives up after maxTries sends and shows it', async () => {
    await setUp({ ack: { never: true } }, { ackTimeoutMs: 30 });
    const displays: DisplayEvent[] = [];
    terminal.events.on('display', (d: DisplayEvent) => displays.push(d));
    const outcome = await terminal.tap(card);
    expect(outcome).toMatchObject({ result: 'NO_ACK', tries: 5 });
    expect(gateway!.events.filter((e) => e.kind === 'tap')).toHaveLength(5);
    expect(displays.at(-1)).toMatchObject({ result: 'NO_ACK', buzzer: 'error-beeps' });
    expect(terminal.stats.noAck).toBe(1);
  });

  it('counts ACKs for other seqs as late and bad lines as bad, and keeps going', async () => {
    await setUp({ ack: { never: true } });
    const acks: AckEvent[] = [];
    terminal.events.on('ack', (a: AckEvent) => acks.push(a));
    gateway!.send('garbage\r\nACK,999,OK,late\r\n');
    await pollUntil(
      () => terminal.stats.badLines === 1 && terminal.stats.lateAcks === 1,
      'bad and late lines counted',
    );
    expect(acks).toEqual([{ terminal: 'gate-1', seq: 999, result: 'OK', text: 'late', matched: false }]);
    gateway!.ackPolicy = { result: 'UNKNOWN', text: 'The chua dang ky' };
    expect(await terminal.tap(card)).toMatchObject({ result: 'UNKNOWN', tries: 1 });
  });

  it('shows an unasked MSG line for its seconds while a tap still gets its own ACK', async () => {
    await setUp({ ack: { result: 'OK', text: 'Nguyen Van An 06:52' } });
    const displays: DisplayEvent[] = [];
    terminal.events.on('display', (d: DisplayEvent) => displays.push(d));
    gateway!.send('MSG,20,Hop phu huynh 17:00\r\nMSG,0,bad seconds\r\n');
    await pollUntil(
      () => terminal.stats.messages === 1 && terminal.stats.badLines === 1,
      'MSG shown, bad MSG counted',
    );
    expect(displays).toEqual([
      {
        terminal: 'gate-1',
        text: 'Hop phu huynh 17:00',
        buzzer: 'beep',
        result: 'MSG',
        seconds: 20,
        clock: '06:52',
      },
    ]);
    expect(await terminal.tap(card)).toMatchObject({ result: 'OK', tries: 1 });
    expect(terminal.stats.lateAcks).toBe(0);
  });

  it('wraps the sequence number at 65535', async () => {
    await setUp({}, { firstSeq: 65535 });
    expect(await terminal.tap(card)).toMatchObject({ seq: 65535 });
    expect(await terminal.tap(card)).toMatchObject({ seq: 0 });
  });

  it('sends heartbeats on connect and every heartbeatMs', async () => {
    await setUp({}, { heartbeatMs: 40, firmware: 'fw-2.1' });
    await pollUntil(
      () => gateway!.events.filter((e) => e.kind === 'heartbeat').length >= 3,
      'three heartbeats',
    );
    expect(gateway!.events.find((e) => e.kind === 'heartbeat')).toMatchObject({
      firmware: 'fw-2.1',
      raw: 'HB,fw-2.1',
    });
  });

  it('queues taps one at a time by default, and pipelines them with maxInFlight', async () => {
    await setUp({ ack: { dropFirst: 1 } });
    const outcomes = await Promise.all([terminal.tap(card), terminal.tap(card), terminal.tap(card)]);
    expect(outcomes.map((o) => ('seq' in o ? o.seq : -1))).toEqual([0, 1, 2]);
    // One at a time: TAP 0 twice, then TAP 1 twice, …
    expect(gateway!.events.flatMap((e) => (e.kind === 'tap' ? [e.seq] : []))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('a wrong terminal clock shows on the display only', async () => {
    await setUp({ ack: { text: 'Nguyen Van An 06:52' } });
    terminal.inject({ type: 'clock', offsetMs: -3 * 3600_000 });
    const displays: DisplayEvent[] = [];
    terminal.events.on('display', (d: DisplayEvent) => displays.push(d));
    await terminal.tap(card);
    expect(displays[0]).toMatchObject({ clock: '03:52', text: 'Nguyen Van An 06:52' });
    expect(gateway!.events.find((e) => e.kind === 'tap')?.raw).toBe('TAP,0,em4100,0415AB36C1');
  });
});

describe('TCP link without a gateway', () => {
  it('drops bytes while nobody is connected, and serves a gateway that connects later', async () => {
    const terminal = await createTerminal({ id: 'gate-2', kind: 'decimal10', link: { type: 'tcp' }, logger });
    let gateway: GatewayStandIn | undefined;
    try {
      expect(await terminal.tap(card)).toMatchObject({ result: 'DROPPED', frames: 0 });
      expect(terminal.stats.framesDropped).toBe(1);
      expect(await terminal.waitForGateway(20)).toBe(false);
      gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'decimal10');
      expect(await terminal.waitForGateway(2000)).toBe(true);
      expect(await terminal.tap(card)).toMatchObject({ result: 'SENT', frames: 1 });
      await pollUntil(() => gateway!.reads().length === 1, 'one read');
      // A reconnect replaces the old connection.
      const second = await GatewayStandIn.connect(terminal.gatewaySource, 'decimal10');
      await pollUntil(() => terminal.stats.gatewayConnects === 2, 'second connection');
      await terminal.tap(card);
      await pollUntil(() => second.reads().length === 1, 'read on the new connection');
      await second.close();
      expect(gateway.reads()).toEqual(['em4100:32:15AB36C1']);
    } finally {
      await gateway?.close();
      await terminal.close();
    }
  });

  it('a smart terminal whose gateway connects during the retries still gets its ACK', async () => {
    const terminal = await createTerminal({
      id: 'gate-3',
      kind: 'smart',
      link: { type: 'tcp' },
      logger,
      ackTimeoutMs: 200,
      heartbeatMs: 0,
    });
    let gateway: GatewayStandIn | undefined;
    try {
      const pending = terminal.tap(card);
      await pollUntil(() => terminal.stats.framesDropped >= 1, 'first TAP dropped');
      gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'smart');
      const outcome = await pending;
      expect(outcome.result).toBe('OK');
      expect('tries' in outcome && outcome.tries).toBeGreaterThanOrEqual(2);
    } finally {
      await gateway?.close();
      await terminal.close();
    }
  });

  it('close() ends a tap that is waiting for its ACK', async () => {
    const terminal = await createTerminal({
      id: 'gate-4',
      kind: 'smart',
      link: { type: 'tcp' },
      logger,
      heartbeatMs: 0,
    });
    const pending = terminal.tap(card);
    await pollUntil(() => terminal.stats.framesDropped >= 1, 'first TAP');
    await terminal.close();
    expect(await pending).toMatchObject({ result: 'NO_ACK', tries: 1 });
  });
});

const describeWithSocat = socatAvailable ? describe : describe.skip;

describeWithSocat(
  socatAvailable ? 'smart terminal over a pty' : 'smart terminal over a pty (skipped: socat not installed)',
  () => {
    it('resends until the ACK comes back across the pty pair', async () => {
      const terminal = await createTerminal({
        id: 'pty-gate',
        kind: 'smart',
        link: { type: 'pty' },
        logger,
        ackTimeoutMs: 250,
        heartbeatMs: 0,
      });
      const gateway = await GatewayStandIn.connect(terminal.gatewaySource, 'smart', {
        ack: { dropFirst: 2, result: 'OK', text: 'Y Lien 06:45' },
      });
      try {
        expect(await terminal.tap(card)).toMatchObject({
          result: 'OK',
          text: 'Y Lien 06:45',
          tries: 3,
          seq: 0,
        });
        expect(gateway.events.flatMap((e) => (e.kind === 'tap' ? [e.seq] : []))).toEqual([0, 0, 0]);
      } finally {
        await gateway.close();
        await terminal.close();
      }
    });
  },
);
