/**
 * After a long outage: a large backlog on disk drains at full speed, in seq order, in batches of
 * up to 500, while a student tapping during the drain is not kept waiting behind it.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { makeCardId, newTapId } from '@rfid/protocol';
import { parseGatewayConfig, startGateway, SqliteTapQueue } from '../src/index.js';
import { ServerStandIn, SmartTerminalSim, TestBroker, tempDir, waitFor } from './helpers.js';

const BACKLOG = 30_000;

describe('backlog drain', () => {
  it(`drains ${BACKLOG} queued taps in order and lets a live tap through during the drain`, async () => {
    const dir = tempDir();
    // The backlog a gateway builds during a day without internet.
    const q = new SqliteTapQueue(path.join(dir, 'queue.sqlite'), { synchronous: 'OFF' });
    const start = Date.parse('2026-11-23T06:30:00+07:00');
    for (let i = 0; i < BACKLOG; i++) {
      q.append({
        id: newTapId(),
        terminal: 'gate-old',
        card: `em4100:40:${(0x0600000000 + i).toString(16).toUpperCase()}`,
        raw: 'x',
        at: new Date(start + i * 100).toISOString(),
        answer: 'OK',
        text: '',
        storedAtMs: Date.now(),
      });
    }
    q.close();

    const broker = await new TestBroker().start();
    const standIn = await new ServerStandIn(broker.url).start();
    const smart = await new SmartTerminalSim(300).start();
    const gateway = await startGateway(
      parseGatewayConfig({
        schoolId: 'kt-001',
        gatewayId: 'gw-drain',
        mqtt: { url: broker.url },
        dataDir: dir,
        logLevel: 'silent',
        terminals: [{ id: 'gate-live', source: smart.source, format: 'smart' }],
      }),
      { logger: pino({ level: 'silent' }), terminalBackOff: { initialMs: 50, maxMs: 500 } },
    );
    try {
      const t0 = performance.now();
      let liveArrivedAfter = -1;
      await waitFor(() => smart.connected, 'terminal connected');
      await waitFor(() => standIn.byId.size > 0, 'drain started');
      smart.tap(makeCardId('em4100', 40, '0415AB36C1'));
      await waitFor(
        () => {
          if (liveArrivedAfter < 0 && standIn.taps.some((t) => t.terminal === 'gate-live')) {
            liveArrivedAfter = standIn.taps.filter((t) => t.terminal === 'gate-old').length;
          }
          return gateway.status().queue.depth === 0;
        },
        'backlog drained',
        60_000,
      );
      const seconds = (performance.now() - t0) / 1000;
      console.info(
        `drained ${BACKLOG} taps in ${seconds.toFixed(2)} s (${Math.round(BACKLOG / seconds)} taps/s)`,
      );

      expect(standIn.byId.size).toBe(BACKLOG + 1);
      // The live tap did not wait for the backlog.
      expect(liveArrivedAfter).toBeGreaterThanOrEqual(0);
      expect(liveArrivedAfter).toBeLessThan(BACKLOG);
      // Backlog: batches of at most 500, each in seq order, first deliveries in seq order overall.
      const backlog = standIn.messages.filter((m) => m.taps.every((t) => t.terminal === 'gate-old'));
      expect(Math.max(...backlog.map((m) => m.taps.length))).toBe(500);
      const firstSeen: number[] = [];
      const seen = new Set<string>();
      for (const m of backlog)
        for (const t of m.taps)
          if (!seen.has(t.id)) {
            seen.add(t.id);
            firstSeen.push(t.seq);
          }
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
    } finally {
      await gateway.stop();
      await smart.stop();
      await standIn.stop();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
