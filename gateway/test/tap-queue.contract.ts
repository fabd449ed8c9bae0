/* eslint-disable jest/no-export -- a contract suite exported for every implementation to run */
/**
 * The TapQueue contract, run by every implementation (like MQTT.js `abstract_store`).
 * `reopen` is given by implementations that persist: the suite then also checks restarts.
 */
import { newTapId } from '@rfid/protocol';
import type { NewTap, TapQueue } from '../src/tap-queue.js';

export interface QueueFactory {
  open(): TapQueue;
  /** Close and open the same store again (persistent implementations only). */
  reopen?: (q: TapQueue) => TapQueue;
  cleanup?: () => void;
}

const T0 = Date.parse('2026-11-23T06:50:00+07:00');

export function newTap(over: Partial<NewTap> = {}): NewTap {
  return {
    id: newTapId(),
    terminal: 'gate-1',
    card: 'em4100:40:0415AB36C1',
    raw: '0415AB36C14D',
    at: '2026-11-23T06:50:00.000+07:00',
    answer: 'OK',
    text: 'Nguyen Van An 06:50',
    storedAtMs: T0,
    ...over,
  };
}

export function describeTapQueueContract(name: string, factory: QueueFactory): void {
  describe(`TapQueue contract: ${name}`, () => {
    let q: TapQueue;
    beforeEach(() => {
      q = factory.open();
    });
    afterEach(() => {
      q.close();
      factory.cleanup?.();
    });

    it('assigns seq rising by one and returns what it stored', () => {
      const a = q.append(newTap({ direction: 'in', terminalSeq: 7 }));
      const b = q.append(newTap());
      expect(b.seq).toBe(a.seq + 1);
      expect(a).toMatchObject({ terminal: 'gate-1', direction: 'in', terminalSeq: 7, acked: false });
      expect(b.direction).toBeUndefined();
      expect(q.depth()).toBe(2);
    });

    it('stores several taps in one commit, all or none', () => {
      const [a, b] = q.appendMany([newTap({ raw: 'a' }), newTap({ raw: 'b' })]);
      expect(b!.seq).toBe(a!.seq + 1);
      expect(q.appendMany([])).toEqual([]);
      const dupe = newTap({ raw: 'c' });
      expect(() => q.appendMany([newTap({ raw: 'x' }), dupe, dupe])).toThrow();
      expect(q.pending(0, 10).map((t) => t.raw)).toEqual(['a', 'b']);
      expect(q.depth()).toBe(2);
      expect(q.append(newTap()).seq).toBeGreaterThan(b!.seq);
    });

    it('refuses a second tap with the same id', () => {
      const t = newTap();
      q.append(t);
      expect(() => q.append(t)).toThrow();
      expect(q.depth()).toBe(1);
    });

    it('reads pending taps in seq order after a cursor, with a limit', () => {
      const taps = Array.from({ length: 10 }, (_, i) => q.append(newTap({ raw: `r${i}` })));
      expect(q.pending(0, 4).map((t) => t.raw)).toEqual(['r0', 'r1', 'r2', 'r3']);
      expect(q.pending(taps[3]!.seq, 100).map((t) => t.raw)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
      expect(q.pending(taps[9]!.seq, 100)).toEqual([]);
    });

    it('acks by id in bulk, in any order, ignoring unknown and repeated ids', () => {
      const taps = Array.from({ length: 5 }, () => q.append(newTap()));
      const before = q.bytes();
      expect(q.ack([taps[3]!.id, taps[1]!.id, newTapId(), taps[1]!.id])).toBe(2);
      expect(q.depth()).toBe(3);
      expect(q.bytes()).toBeLessThan(before);
      expect(q.pending(0, 10).map((t) => t.id)).toEqual([taps[0]!.id, taps[2]!.id, taps[4]!.id]);
      expect(q.ack(taps.map((t) => t.id))).toBe(3);
      expect(q.depth()).toBe(0);
      expect(q.bytes()).toBe(0);
    });

    it('finds a smart tap by terminal seq and card (acked or not) within a time window', () => {
      const t = q.append(newTap({ terminalSeq: 42 }));
      q.ack([t.id]);
      expect(q.findTerminalTap('gate-1', 42, t.card, T0 - 1000)?.id).toBe(t.id);
      expect(q.findTerminalTap('gate-1', 42, 'em4100:40:0000000001', T0 - 1000)).toBeUndefined();
      expect(q.findTerminalTap('gate-2', 42, t.card, T0 - 1000)).toBeUndefined();
      expect(q.findTerminalTap('gate-1', 42, t.card, T0 + 1)).toBeUndefined();
    });

    it('lists taps stored since a time and forgets only acked old ones', () => {
      const old = q.append(newTap({ storedAtMs: T0 - 120_000 }));
      const oldPending = q.append(newTap({ storedAtMs: T0 - 120_000 }));
      const recent = q.append(newTap({ storedAtMs: T0 }));
      q.ack([old.id, recent.id]);
      expect(q.storedSince(T0 - 1).map((t) => t.id)).toEqual([recent.id]);
      expect(q.forgetAcked(T0 - 60_000)).toBe(1);
      expect(q.storedSince(0).map((t) => t.id)).toEqual([oldPending.id, recent.id]);
      expect(q.depth()).toBe(1);
    });

    it('drops the oldest unacked taps past maxBytes and counts them', () => {
      for (let i = 0; i < 10; i++) q.append(newTap({ raw: `r${i}` }));
      const per = q.bytes() / 10;
      expect(q.enforceLimits({ maxBytes: Math.ceil(per * 6.5) }, T0)).toBe(4);
      expect(q.pending(0, 100).map((t) => t.raw)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
      expect(q.droppedTotal()).toBe(4);
      expect(q.enforceLimits({ maxBytes: Math.ceil(per * 6.5) }, T0)).toBe(0);
    });

    it('drops unacked taps older than maxDays', () => {
      q.append(newTap({ raw: 'old', storedAtMs: T0 - 3 * 86_400_000 }));
      q.append(newTap({ raw: 'new', storedAtMs: T0 - 86_400_000 }));
      expect(q.enforceLimits({ maxDays: 2 }, T0)).toBe(1);
      expect(q.pending(0, 10).map((t) => t.raw)).toEqual(['new']);
    });

    it('stores a record pushed again by its source once, and counts the repeats', () => {
      const first = q.appendOnce(
        [
          { key: 'SN1|1001|2026-11-23 06:50:00', tap: newTap({ raw: 'p1' }) },
          { key: 'SN1|9|2026-11-23 06:50:01' }, // no tap: only remembered
          { key: 'SN1|1001|2026-11-23 06:50:00', tap: newTap({ raw: 'p1 again in the same push' }) },
        ],
        T0,
      );
      expect(first.stored.map((t) => t.raw)).toEqual(['p1']);
      expect(first.seen).toBe(1);
      const again = q.appendOnce(
        [
          { key: 'SN1|1001|2026-11-23 06:50:00', tap: newTap({ raw: 'p1 re-pushed' }) },
          { key: 'SN1|9|2026-11-23 06:50:01', tap: newTap({ raw: 'now with a card' }) },
          { key: 'SN1|1002|2026-11-23 06:50:02', tap: newTap({ raw: 'p2' }) },
        ],
        T0 + 1000,
      );
      expect(again.stored.map((t) => t.raw)).toEqual(['p2']);
      expect(again.seen).toBe(2);
      expect(q.depth()).toBe(2);
      expect(q.forgetKeys(T0 + 1)).toBe(2);
      expect(
        q.appendOnce(
          [{ key: 'SN1|1001|2026-11-23 06:50:00', tap: newTap({ raw: 'p1 after forget' }) }],
          T0 + 2000,
        ).stored,
      ).toHaveLength(1);
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('remembers source keys across a restart', () => {
        q.appendOnce([{ key: 'k1', tap: newTap({ raw: 'k1' }) }], T0);
        q = reopen(q);
        expect(q.appendOnce([{ key: 'k1', tap: newTap({ raw: 'k1 again' }) }], T0).seen).toBe(1);
        expect(q.depth()).toBe(1);
      });

      it('keeps pending taps, seq and dropped count across a restart', () => {
        const a = q.append(newTap({ raw: 'a' }));
        const b = q.append(newTap({ raw: 'b', terminalSeq: 9 }));
        q.ack([a.id]);
        q.append(newTap({ raw: 'x', storedAtMs: 0 }));
        q.enforceLimits({ maxDays: 1 }, T0);
        q = reopen(q);
        expect(q.depth()).toBe(1);
        expect(q.pending(0, 10)).toEqual([b]);
        expect(q.droppedTotal()).toBe(1);
        const c = q.append(newTap({ raw: 'c' }));
        expect(c.seq).toBe(b.seq + 2); // never reuses a seq, even one whose tap was dropped
        expect(q.findTerminalTap('gate-1', 9, b.card, 0)?.id).toBe(b.id);
      });
    }
  });
}
