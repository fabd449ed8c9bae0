/**
 * Prometheus metrics on a per-application registry (several servers can live in one process:
 * tests, benchmarks). Exposed at `/metrics`.
 */
import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly tapsReceived = new Counter({
    name: 'rfid_taps_received_total',
    help: 'Taps received in MQTT messages (incl. redeliveries)',
    registers: [this.registry],
  });
  readonly tapsStored = new Counter({
    name: 'rfid_taps_stored_total',
    help: 'Taps newly stored (first delivery)',
    registers: [this.registry],
  });
  readonly tapsDuplicate = new Counter({
    name: 'rfid_taps_duplicate_total',
    help: 'Taps already stored (redeliveries), acked again',
    registers: [this.registry],
  });
  readonly tapsUnknownCard = new Counter({
    name: 'rfid_taps_unknown_card_total',
    help: 'Stored taps of cards not enrolled',
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'rfid_dead_letters_total',
    help: 'Messages or taps dead-lettered',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'rfid_ingest_batch_taps',
    help: 'Taps per ingest transaction',
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000, 5000],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'rfid_ingest_batch_seconds',
    help: 'Ingest transaction duration',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly tapLagSeconds = new Histogram({
    name: 'rfid_tap_commit_lag_seconds',
    help: 'From the tap time (reader) to its commit',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
    registers: [this.registry],
  });
  readonly tapsFromTheFuture = new Counter({
    name: 'rfid_taps_future_total',
    help: 'Taps stamped more than 1 h after the server clock (stored, not counted)',
    registers: [this.registry],
  });
  readonly ingestFailures = new Counter({
    name: 'rfid_ingest_failures_total',
    help: 'Ingest transactions that failed (taps not acked; gateways resend)',
    registers: [this.registry],
  });
  readonly zaloLoginLost = new Counter({
    name: 'rfid_zalo_login_lost_total',
    help: 'Times Zalo refused the stored refresh token for good (the OA must be authorised again)',
    registers: [this.registry],
  });
  readonly ingestQueued = new Gauge({
    name: 'rfid_ingest_queued_taps',
    help: 'Taps waiting for a transaction',
    registers: [this.registry],
  });
  readonly brokerDenied = new Counter({
    name: 'rfid_broker_denied_total',
    help: 'Embedded broker refusals',
    labelNames: ['action'],
    registers: [this.registry],
  });
  readonly cardMatches = new Counter({
    name: 'rfid_card_match_batches_total',
    help: "Schools' card matches per batch, by path: memory, or lookup while the school's keys are (re)read",
    labelNames: ['path'],
    registers: [this.registry],
  });
  readonly cardKeyLoads = new Counter({
    name: 'rfid_card_key_loads_total',
    help: "Whole reads of a school's card keys (first tap of the school, or after a roster change)",
    registers: [this.registry],
  });
  readonly daysSkipped = new Counter({
    name: 'rfid_attendance_taps_skipped_total',
    help: 'Taps that could not change their attendance day (a later IN or an earlier OUT than already committed): day not written',
    registers: [this.registry],
  });
  readonly liveEvents = new Counter({
    name: 'rfid_live_events_total',
    help: 'Socket.IO events emitted',
    labelNames: ['event'],
    registers: [this.registry],
  });

  readonly notifyOutcomes = new Counter({
    name: 'rfid_notify_outcomes_total',
    help: 'Notification attempts and decisions, by channel and outcome (sent, delivered, retry, failed, skipped_<reason>)',
    labelNames: ['channel', 'outcome'],
    registers: [this.registry],
  });
  readonly notifySendSeconds = new Histogram({
    name: 'rfid_notify_send_seconds',
    help: 'Provider call duration (incl. waiting for the channel limits)',
    labelNames: ['channel'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly notifyRoundSeconds = new Histogram({
    name: 'rfid_notify_round_seconds',
    help: 'One worker round: claim, decide, send, record',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly notifyReports = new Counter({
    name: 'rfid_notify_reports_total',
    help: 'Provider delivery reports, by channel and result (delivered, failed, rejected, unknown)',
    labelNames: ['channel', 'result'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
