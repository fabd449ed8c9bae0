/**
 * Log flood (issue #16): a gateway whose subscription the broker refuses used to reconnect every
 * period and warn each time. It now backs off (capped exponential with jitter) and warns once per
 * run of failures, logging the count when the link is healthy again.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { MqttLink, reconnectDelay } from '../src/mqtt-link.js';
import { TestBroker, waitFor } from './helpers.js';

describe('reconnectDelay', () => {
  it('doubles from the base up to the cap, with jitter between half and all of the step', () => {
    expect([1, 2, 3, 4, 10].map((n) => reconnectDelay(n, 100, 1000, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect([1, 2, 3, 4, 10].map((n) => reconnectDelay(n, 100, 1000, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
  });
});

describe('MqttLink against a broker that refuses its subscription', () => {
  it('backs off, warns once, and says when it recovered and after how many failures', async () => {
    let refuse = true;
    const broker = await new TestBroker(() => true, { authorizeSubscribe: () => !refuse }).start();
    const lines: { level: number; msg: string; failedAttempts?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    });
    const link = new MqttLink(
      {
        url: broker.url,
        username: 'gw',
        password: 'gw-password-123',
        schoolId: 's1',
        gatewayId: 'gw',
        reconnectPeriodMs: 50,
        maxReconnectMs: 400,
        random: () => 1,
      },
      pino({ level: 'debug' }, sink),
    );
    link.start();
    try {
      await new Promise((r) => setTimeout(r, 2_000)); // the window in which a fixed 50 ms period would make ~40 attempts
      const attempts = broker.logins.length;
      // 50, 100, 200, 400, 400 … ms: about 7 attempts in 2 s (plus connection time).
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect(attempts).toBeLessThanOrEqual(10);
      const warns = lines.filter((l) => l.level === 40);
      expect(warns.map((l) => l.msg)).toEqual([
        'mqtt link down',
        'mqtt link failing; retrying with back-off',
      ]);
      refuse = false;
      await waitFor(() => lines.some((l) => l.msg === 'mqtt link healthy again'), 'recovery line', 5_000);
      const healthy = lines.find((l) => l.msg === 'mqtt link healthy again')!;
      expect(healthy.failedAttempts).toBeGreaterThanOrEqual(attempts - 1);
      expect(link.failedAttempts).toBe(0);
    } finally {
      await link.stop();
      await broker.stop();
    }
  });
});
