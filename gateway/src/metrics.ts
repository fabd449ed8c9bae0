/**
 * Prometheus metrics of one gateway (its own registry, so several gateways can run in one
 * process, as in tests and the demo). Served on `metrics.port` at `/metrics` when configured.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayTotals {
  reads: number;
  rejects: number;
  repeats: number;
  stored: number;
  acked: number;
  published: number;
  dropped: number;
}

/** Keep a plain running total next to a counter (prom-client reads are async; status() is not). */
function tally<T extends string>(
  counter: Counter<T>,
  totals: GatewayTotals,
  key: keyof GatewayTotals,
): Counter<T> {
  const inc = counter.inc.bind(counter) as (a?: unknown, b?: unknown) => void;
  counter.inc = ((a?: unknown, b?: unknown) => {
    totals[key] += typeof a === 'number' ? a : typeof b === 'number' ? b : 1;
    inc(a, b);
  }) as Counter<T>['inc'];
  return counter;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly totals: GatewayTotals = {
    reads: 0,
    rejects: 0,
    repeats: 0,
    stored: 0,
    acked: 0,
    published: 0,
    dropped: 0,
  };
  readonly reads = tally(
    new Counter({
      name: 'gateway_reads_total',
      help: 'Card reads decoded from terminals (before repeat collapsing)',
      labelNames: ['terminal'] as const,
      registers: [this.registry],
    }),
    this.totals,
    'reads',
  );
  readonly rejects = tally(
    new Counter({
      name: 'gateway_rejects_total',
      help: 'Frames rejected by the decoder',
      labelNames: ['terminal', 'code'] as const,
      registers: [this.registry],
    }),
    this.totals,
    'rejects',
  );
  readonly repeats = tally(
    new Counter({
      name: 'gateway_repeats_total',
      help: 'Reads collapsed as repeats: field (reader frame repeats), window (repeat tap), retry (smart TAP resent)',
      labelNames: ['terminal', 'kind'] as const,
      registers: [this.registry],
    }),
    this.totals,
    'repeats',
  );
  readonly stored = tally(
    new Counter({
      name: 'gateway_taps_stored_total',
      help: 'Taps written to the durable queue',
      labelNames: ['terminal', 'answer'] as const,
      registers: [this.registry],
    }),
    this.totals,
    'stored',
  );
  readonly storeErrors = new Counter({
    name: 'gateway_store_errors_total',
    help: 'Taps that could not be stored (terminal got ERR)',
    registers: [this.registry],
  });
  readonly acked = tally(
    new Counter({
      name: 'gateway_taps_acked_total',
      help: 'Taps acked by the server',
      registers: [this.registry],
    }),
    this.totals,
    'acked',
  );
  readonly published = tally(
    new Counter({
      name: 'gateway_taps_published_total',
      help: 'Taps published (resends included)',
      labelNames: ['lane'] as const,
      registers: [this.registry],
    }),
    this.totals,
    'published',
  );
  readonly dropped = tally(
    new Counter({
      name: 'gateway_queue_dropped_total',
      help: 'Unacked taps dropped because the queue cap was reached',
      registers: [this.registry],
    }),
    this.totals,
    'dropped',
  );
  readonly queueDepth = new Gauge({
    name: 'gateway_queue_depth',
    help: 'Unacked taps on disk',
    registers: [this.registry],
  });
  readonly queueBytes = new Gauge({
    name: 'gateway_queue_bytes',
    help: 'Bytes of unacked taps',
    registers: [this.registry],
  });
  readonly publishLatency = new Histogram({
    name: 'gateway_publish_latency_seconds',
    help: 'Publish of a taps message to its PUBACK from the broker',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'gateway_tap_ack_latency_seconds',
    help: 'First publish of a tap to its ack by the server',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300],
    registers: [this.registry],
  });
  readonly terminalAckLatency = new Histogram({
    name: 'gateway_terminal_ack_seconds',
    help: 'Smart TAP line received to ACK written (store included)',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly terminalOnline = new Gauge({
    name: 'gateway_terminal_online',
    help: '1 when the terminal is online',
    labelNames: ['terminal'] as const,
    registers: [this.registry],
  });
  readonly mqttConnected = new Gauge({
    name: 'gateway_mqtt_connected',
    help: '1 when connected to the broker',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** `GET /metrics` in the Prometheus text format; resolves with the bound port. */
export async function serveMetrics(
  registry: Registry,
  port: number,
  host = '0.0.0.0',
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
