import type { Outcome } from './notifications.repository.js';
import { OutcomeWriter } from './outcome-writer.js';

const outcome = (n: number): Outcome => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  status: 'sent',
  channel: 'sms',
  tried: 'sms',
  attempted: true,
  nextAttemptAt: null,
  sentAt: new Date('2026-11-23T00:00:00Z'),
  deliveredAt: null,
  error: null,
  providerMessageId: null,
  text: null,
});

describe('OutcomeWriter', () => {
  it('writes what arrives while the round still sends, one statement at a time, and the rest on close', async () => {
    const batches: string[][] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const writer = new OutcomeWriter(
      async (batch) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 5));
        batches.push(batch.map((o) => o.id));
        concurrent--;
        return batch.length - 1; // one row settled meanwhile
      },
      5,
      3,
    );
    for (let i = 0; i < 7; i++) writer.push(outcome(i)); // 3 + 3 at once, 1 lingering
    // Written before close: the two full batches and, after its linger, the last one.
    for (const deadline = Date.now() + 5_000; batches.length < 3 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 5));
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1]);
    writer.push(outcome(7));
    expect(await writer.close()).toEqual({ total: 8, written: 4 });
    expect(batches.flat()).toEqual([...Array(8).keys()].map((i) => outcome(i).id));
    expect(maxConcurrent).toBe(1);
  });

  it('a failed write fails the round on close and writes nothing after it', async () => {
    let calls = 0;
    const writer = new OutcomeWriter(
      async (batch) => {
        calls++;
        if (calls === 1) throw new Error('connection lost');
        return batch.length;
      },
      1,
      2,
    );
    writer.push(outcome(1));
    writer.push(outcome(2));
    writer.push(outcome(3));
    await expect(writer.close()).rejects.toThrow('connection lost');
    expect(calls).toBe(1);
  });

  it('closing an empty writer writes nothing', async () => {
    let calls = 0;
    const writer = new OutcomeWriter(async () => {
      calls++;
      return 0;
    });
    expect(await writer.close()).toEqual({ total: 0, written: 0 });
    expect(calls).toBe(0);
  });
});
