import { jest } from '@jest/globals';
import pino from 'pino';
import { ManualClock, isUuidV7, parseCardText } from '@rfid/protocol';
import { MemoryTapQueue } from './memory-queue.js';
import { GatewayMetrics } from './metrics.js';
import { RosterIndex } from './roster-index.js';
import { TapIntake, UNKNOWN_CARD_TEXT } from './tap-intake.js';
import type { StoredTap } from './tap-queue.js';

const an = parseCardText('em4100:40:0415AB36C1');
const stranger = parseCardText('em4100:40:0000000042');

function setup(opts: { windowS?: number; queue?: MemoryTapQueue } = {}) {
  const clock = new ManualClock('2026-11-23T06:52:10+07:00');
  const queue = opts.queue ?? new MemoryTapQueue();
  const stored: StoredTap[] = [];
  const roster = new RosterIndex({
    version: 1,
    cards: [{ card: 'em4100:32:15AB36C1', name: 'Nguyễn Văn An', class: '6A' }],
  });
  const intake = new TapIntake({
    queue,
    clock,
    timeZone: 'Asia/Ho_Chi_Minh',
    repeatWindowMs: (opts.windowS ?? 60) * 1000,
    roster: () => roster,
    metrics: new GatewayMetrics(),
    log: pino({ level: 'silent' }),
    onStored: (t) => stored.push(t),
  });
  return { clock, queue, stored, intake };
}

describe('TapIntake', () => {
  it('commits taps of one event-loop turn together and answers each once stored', async () => {
    const { intake, queue, stored } = setup();
    const appendMany = jest.spyOn(queue, 'appendMany');
    const acks = await Promise.all([
      intake.smartTap({ id: 'gate-1' }, 1, an, 'a'),
      intake.smartTap({ id: 'gate-2' }, 1, stranger, 'b'),
      intake.smartTap({ id: 'gate-1' }, 2, an, 'c'), // same card again in the same turn: DUP
      intake.smartTap({ id: 'gate-1' }, 1, an, 'a'), // the terminal resent seq 1 before its ACK
    ]);
    expect(acks.map((a) => a.result)).toEqual(['OK', 'UNKNOWN', 'DUP', 'OK']);
    expect(appendMany).toHaveBeenCalledTimes(1);
    expect(appendMany.mock.calls[0]![0]).toHaveLength(2);
    expect(stored).toHaveLength(2);
    expect(queue.depth()).toBe(2);
  });

  it('stores a smart tap and answers OK with the ASCII name and the school’s time', async () => {
    const { intake, stored, queue } = setup();
    const ack = await intake.smartTap({ id: 'gate-1', direction: 'in' }, 17, an, 'TAP,17,em4100,0415AB36C1');
    expect(ack).toEqual({ seq: 17, result: 'OK', text: 'Nguyen Van An 06:52' });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      terminal: 'gate-1',
      card: 'em4100:40:0415AB36C1',
      at: '2026-11-23T06:52:10.000+07:00',
      direction: 'in',
      terminalSeq: 17,
      raw: 'TAP,17,em4100,0415AB36C1',
    });
    expect(isUuidV7(stored[0]!.id)).toBe(true);
    expect(queue.depth()).toBe(1);
  });

  it('answers a resent TAP (same seq) again with the same answer and stores nothing new', async () => {
    const { intake, stored, clock } = setup();
    const first = await intake.smartTap({ id: 'gate-1' }, 5, an, 'TAP,5,em4100,0415AB36C1');
    clock.advance(1000);
    expect(await intake.smartTap({ id: 'gate-1' }, 5, an, 'TAP,5,em4100,0415AB36C1')).toEqual(first);
    expect(stored).toHaveLength(1);
  });

  it('recognises a resent TAP after a restart from the queue alone', async () => {
    const queue = new MemoryTapQueue();
    const a = setup({ queue });
    const first = await a.intake.smartTap({ id: 'gate-1' }, 5, an, 'TAP,5,em4100,0415AB36C1');
    const b = setup({ queue }); // a new intake over the same queue = the gateway restarted
    b.clock.advance(2000);
    expect(await b.intake.smartTap({ id: 'gate-1' }, 5, an, 'TAP,5,em4100,0415AB36C1')).toEqual(first);
    expect(queue.depth()).toBe(1);
  });

  it('answers DUP for a new tap of the same card inside the repeat window, OK after it', async () => {
    const { intake, stored, clock } = setup();
    await intake.smartTap({ id: 'gate-1' }, 1, an, 'x');
    clock.advance(20_000);
    expect(await intake.smartTap({ id: 'gate-1' }, 2, an, 'x')).toEqual({
      seq: 2,
      result: 'DUP',
      text: 'Nguyễn Văn An 06:52',
    });
    clock.advance(41_000);
    expect((await intake.smartTap({ id: 'gate-1' }, 3, an, 'x')).result).toBe('OK');
    expect(stored).toHaveLength(2);
  });

  it('queues unknown cards too and answers UNKNOWN', async () => {
    const { intake, stored } = setup();
    expect(await intake.smartTap({ id: 'gate-1' }, 9, stranger, 'x')).toEqual({
      seq: 9,
      result: 'UNKNOWN',
      text: UNKNOWN_CARD_TEXT,
    });
    expect(stored[0]).toMatchObject({ card: 'em4100:40:0000000042', answer: 'UNKNOWN' });
  });

  it('collapses a read-only reader’s frame repeats and repeat taps', async () => {
    const { intake, stored, clock } = setup({ windowS: 60 });
    expect((await intake.read({ id: 'r1' }, an, 'a')).kind).toBe('stored');
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      expect(await intake.read({ id: 'r1' }, an, 'a')).toEqual({ kind: 'repeat', repeat: 'field' });
    }
    clock.advance(10_000);
    expect(await intake.read({ id: 'r1' }, an, 'a')).toEqual({ kind: 'repeat', repeat: 'window' });
    clock.advance(60_000);
    expect((await intake.read({ id: 'r1' }, an, 'a')).kind).toBe('stored');
    expect(stored).toHaveLength(2);
  });

  it('answers ERR when the store fails and does not turn the retry into a DUP', async () => {
    const queue = new MemoryTapQueue();
    const { intake, clock } = setup({ queue });
    const appendMany = queue.appendMany.bind(queue);
    queue.appendMany = () => {
      throw new Error('disk full');
    };
    expect((await intake.smartTap({ id: 'gate-1' }, 1, an, 'x')).result).toBe('ERR');
    queue.appendMany = appendMany;
    clock.advance(1000);
    expect((await intake.smartTap({ id: 'gate-1' }, 2, an, 'x')).result).toBe('OK');
  });
});
