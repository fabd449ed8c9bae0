import pino from 'pino';
import { newTapId, type Tap } from '@rfid/protocol';
import { MemoryTapQueue } from './memory-queue.js';
import { GatewayMetrics } from './metrics.js';
import { TapPublisher, type Lane } from './tap-publisher.js';
import type { StoredTap } from './tap-queue.js';

function setup(
  opts: { batchMax?: number; window?: number; resendAfterMs?: number; maxResendMs?: number } = {},
) {
  const queue = new MemoryTapQueue();
  let now = 0;
  const sent: { taps: Tap[]; lane: Lane }[] = [];
  const publisher = new TapPublisher({
    queue,
    batchMax: opts.batchMax ?? 3,
    maxInFlightBatches: opts.window ?? 2,
    resendAfterMs: opts.resendAfterMs ?? 10_000,
    ...(opts.maxResendMs ? { maxResendMs: opts.maxResendMs } : {}),
    send: () => Promise.resolve(),
    metrics: new GatewayMetrics(),
    log: pino({ level: 'silent' }),
    onPublished: (taps, lane) => sent.push({ taps, lane }),
    now: () => now,
  });
  const add = (n: number): StoredTap[] =>
    Array.from({ length: n }, (_, i) =>
      queue.append({
        id: newTapId(),
        terminal: 't',
        card: 'em4100:40:0415AB36C1',
        raw: `r${i}`,
        at: '2026-11-23T06:50:00.000+07:00',
        answer: 'OK',
        text: '',
        storedAtMs: 0,
      }),
    );
  return { queue, publisher, sent, add, advance: (ms: number) => (now += ms) };
}

const seqs = (m: { taps: Tap[] }) => m.taps.map((t) => t.seq);

describe('TapPublisher', () => {
  it('drains the backlog in seq order, batchMax a message, within the in-flight window', () => {
    const { publisher, sent, add } = setup({ batchMax: 3, window: 2 });
    const taps = add(10);
    publisher.setConnected(true);
    expect(sent.map(seqs)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(sent.every((m) => m.lane === 'backlog')).toBe(true);
    publisher.onAcks([taps[1]!.id, taps[0]!.id]); // out of order, partial: window opens by 2
    expect(sent.map(seqs).slice(2)).toEqual([[7, 8]]);
    publisher.onAcks(taps.slice(2, 8).map((t) => t.id));
    expect(sent.map(seqs).slice(3)).toEqual([[9, 10]]);
    publisher.onAcks(taps.slice(8).map((t) => t.id));
    expect(publisher.inFlightCount).toBe(0);
  });

  it('publishes a live tap at once even when the window is full of backlog', async () => {
    const { publisher, sent, add, queue } = setup({ batchMax: 3, window: 1 });
    add(10);
    publisher.setConnected(true);
    const live = add(1)[0]!;
    publisher.onStored(live);
    await new Promise((r) => setImmediate(r));
    expect(sent.at(-1)).toEqual({ lane: 'live', taps: [expect.objectContaining({ id: live.id, seq: 11 })] });
    expect(queue.depth()).toBe(11);
  });

  it('resends unacked taps with the same id, backing off, and stops once acked', () => {
    const { publisher, sent, add, advance } = setup({ resendAfterMs: 10_000, maxResendMs: 40_000 });
    const [tap] = add(1);
    publisher.setConnected(true);
    const at = [0];
    let t = 0;
    for (let i = 0; i < 200; i++) {
      advance(1_000);
      t += 1_000;
      const before = sent.length;
      publisher.resendDue();
      if (sent.length > before) at.push(t);
    }
    expect(sent.every((m) => m.taps[0]!.id === tap!.id)).toBe(true);
    // 10 s, then 20 s, then 40 s (capped) between publishes.
    expect(at.slice(0, 6)).toEqual([0, 10_000, 30_000, 70_000, 110_000, 150_000]);
    publisher.onAcks([tap!.id]);
    const n = sent.length;
    advance(100_000);
    publisher.resendDue();
    expect(sent.length).toBe(n);
  });

  it('sends nothing while disconnected and starts again from the oldest unacked tap on reconnect', () => {
    const { publisher, sent, add } = setup({ batchMax: 5, window: 4 });
    publisher.setConnected(true);
    const taps = add(3);
    publisher.pump();
    expect(sent.map(seqs)).toEqual([[1, 2, 3]]);
    publisher.setConnected(false);
    const more = add(2);
    for (const t of more) publisher.onStored(t);
    publisher.pump();
    expect(sent).toHaveLength(1);
    publisher.onAcks([taps[0]!.id]); // a late ack still removes the tap from disk
    publisher.setConnected(true);
    expect(sent.map(seqs)[1]).toEqual([2, 3, 4, 5]);
  });
});
