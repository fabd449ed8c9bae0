/**
 * Back-pressure: with a tiny ingest queue, concurrent gateways must still get every tap stored
 * and acked (no deadlock between waiting for queue room and the PUBACKs of our own acks).
 */
import { startTestServer, seedSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { Database } from '../src/db/database.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

describe('ingest back-pressure', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ingestMaxQueued: 60, ingestMaxBatch: 40, ingestConcurrency: 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stores and acks 3,000 taps from 3 concurrent gateways through a queue of 60', async () => {
    const school = await seedSchool(server.directory, 30);
    const creds = await server.devices.register(school.schoolId, 'g');
    const gws = await Promise.all(
      [0, 1, 2].map(() =>
        TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword),
      ),
    );
    try {
      await Promise.all(
        gws.map(async (g) => {
          const taps = Array.from({ length: 1000 }, (_, i) =>
            g.tap(
              school.students[i % 30]!.card,
              new Date(Date.parse('2026-11-23T06:00:00+07:00') + i * 1000),
            ),
          );
          await Promise.all(Array.from({ length: 50 }, (_, m) => g.publish(taps.slice(m * 20, m * 20 + 20))));
          await g.waitAcked(
            taps.map((t) => t.id),
            20_000,
          );
        }),
      );
      const [row] = await server.app.get(Database).query<{ n: string }>('SELECT count(*) AS n FROM taps');
      expect(Number(row!.n)).toBe(3000);
      const sizes = await server.app.get(MetricsService).batchSize.get();
      const max = sizes.values.filter((v) => v.metricName === 'rfid_ingest_batch_taps_count')[0]?.value ?? 0;
      expect(max).toBeGreaterThanOrEqual(3000 / 40); // at least this many transactions: batches stayed bounded
    } finally {
      for (const g of gws) await g.close();
    }
  });
});
