/**
 * The report delivery worker: drains `report_deliveries` in any number of replicas at once. A
 * round claims due rows (row locks that skip locked rows, plus a lease in the row), sends each
 * once (webhook or e-mail) and records the outcome only while it still holds the lease. A transient
 * failure backs off exponentially (`deliveryBackoffMs`, by the injected clock); a permanent one
 * (a 4xx of the district's endpoint, a hard bounce) or the 10th attempt is `failed` with its
 * reason. A worker that dies mid-send leaves a lease that expires; the next claim sends again with
 * the same `Idempotency-Key` / `Message-ID`, which the receiver dedupes. Woken by
 * `LISTEN report_delivery_due` (the submission's transaction notifies) and a fallback poll.
 */
import pg from 'pg';
import type { Clock } from '@rfid/protocol';
import type { Database } from '../db/database.service.js';
import type { Logger } from '../logger.js';
import {
  deliveryBackoffMs,
  MAX_DELIVERY_ATTEMPTS,
  postReportWebhook,
  reportMail,
  type DeliveryResult,
  type ReportMailer,
} from './report-delivery.js';
import {
  DELIVERY_CHANNEL,
  type ClaimedDelivery,
  type ReportDeliveriesRepository,
} from './report-deliveries.repository.js';

export interface DeliveryWorkerOptions {
  leaseMs: number;
  pollMs: number;
  sendTimeoutMs: number;
  batch?: number;
}

export interface DeliveryStats {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

const zero = (): DeliveryStats => ({ claimed: 0, sent: 0, retried: 0, failed: 0 });

export class ReportDeliveryWorker {
  private readonly log: Logger;
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = true;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private round: Promise<DeliveryStats> | null = null;

  constructor(
    readonly id: string,
    private readonly db: Database,
    private readonly repo: ReportDeliveriesRepository,
    private readonly mailer: ReportMailer | null,
    private readonly clock: Clock,
    private readonly opts: DeliveryWorkerOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'report-delivery', worker: id });
  }

  async start(): Promise<void> {
    if (!this.closed) return;
    this.closed = false;
    await this.listen();
    this.timer = setInterval(() => this.kick(), this.opts.pollMs);
    this.timer.unref();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.kick();
    await this.loop?.catch(() => undefined);
    await this.round?.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  /** Wake the loop (a NOTIFY, the poll, a test after moving the clock). */
  kick(): void {
    this.woken = true;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      this.woken = false;
      let claimed = 0;
      try {
        claimed = (await this.drainOnce()).claimed;
      } catch (e) {
        this.log.error({ err: e }, 'report delivery round failed; its leases expire and it is retried');
      }
      if (claimed > 0 || this.woken || this.closed) continue;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  /** One round (one at a time per worker). */
  drainOnce(): Promise<DeliveryStats> {
    this.round ??= this.doRound().finally(() => (this.round = null));
    return this.round;
  }

  /** Rounds until nothing is due at the clock's now (tests; the loop does this by itself). */
  async drainAll(maxRounds = 100): Promise<DeliveryStats> {
    const total = zero();
    for (let i = 0; i < maxRounds; i++) {
      const s = await this.drainOnce();
      for (const k of Object.keys(total) as (keyof DeliveryStats)[]) total[k] += s[k];
      if (s.claimed === 0) break;
    }
    return total;
  }

  private async doRound(): Promise<DeliveryStats> {
    const stats = zero();
    const rows = await this.repo.claim(this.id, this.clock.now(), this.opts.leaseMs, this.opts.batch ?? 20);
    stats.claimed = rows.length;
    await Promise.all(
      rows.map(async (row) => {
        const result = await this.attempt(row).catch((e: unknown): DeliveryResult => ({
          outcome: 'retry',
          error: `internal: ${(e as Error).message}`,
        }));
        const kept = await this.record(row, result);
        if (!kept) return;
        if (result.outcome === 'sent') stats.sent += 1;
        else if (result.outcome === 'retry' && row.attempts < MAX_DELIVERY_ATTEMPTS) stats.retried += 1;
        else stats.failed += 1;
      }),
    );
    return stats;
  }

  /** Sends one claimed delivery once. */
  private async attempt(row: ClaimedDelivery): Promise<DeliveryResult> {
    const signal = AbortSignal.timeout(this.opts.sendTimeoutMs);
    if (row.target === 'webhook') {
      const secret = await this.repo.webhookSecret(row.district_id);
      if (!secret) return { outcome: 'failed', error: 'webhook_not_configured' };
      return postReportWebhook(row.address, secret, row.payload, signal);
    }
    if (!this.mailer) return { outcome: 'failed', error: 'smtp_not_configured (SMTP_URL, MAIL_FROM)' };
    if (!row.report) return { outcome: 'failed', error: 'no report stored for the attachment' };
    return this.mailer.sendReport(await reportMail(row.address, row.payload, row.report), signal);
  }

  private async record(row: ClaimedDelivery, r: DeliveryResult): Promise<boolean> {
    const now = this.clock.now();
    const httpStatus = r.status ?? null;
    let kept: boolean;
    if (r.outcome === 'sent') {
      kept = await this.repo.finish(row.id, this.id, {
        status: 'sent',
        at: now,
        error: null,
        httpStatus,
        nextAt: null,
      });
    } else if (r.outcome === 'retry' && row.attempts < MAX_DELIVERY_ATTEMPTS) {
      const nextAt = new Date(now.getTime() + deliveryBackoffMs(row.attempts, r.retryAfterMs));
      kept = await this.repo.finish(row.id, this.id, {
        status: 'pending',
        at: now,
        error: r.error,
        httpStatus,
        nextAt,
      });
    } else {
      const error = r.outcome === 'retry' ? `gave up after ${row.attempts} attempts: ${r.error}` : r.error;
      kept = await this.repo.finish(row.id, this.id, {
        status: 'failed',
        at: now,
        error,
        httpStatus,
        nextAt: null,
      });
      if (kept)
        this.log.warn(
          { schoolId: row.school_id, date: row.date, revision: row.revision, target: row.target, error },
          'report delivery failed',
        );
    }
    if (!kept)
      this.log.warn({ id: row.id }, 'report delivery lease passed to another worker; its outcome stands');
    return kept;
  }

  private async listen(): Promise<void> {
    const opts = this.db.pool.options;
    const client = new pg.Client({
      ...opts,
      connectionString: (opts as { connectionString?: string }).connectionString,
    });
    client.on('notification', () => this.kick());
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'report delivery listener lost its connection; reconnecting');
      this.listener = null;
      if (!this.closed)
        setTimeout(
          () =>
            void this.listen().catch((e: unknown) =>
              this.log.error({ err: e }, 'report delivery listener reconnect failed'),
            ),
          1000,
        ).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${DELIVERY_CHANNEL}`);
    this.listener = client;
    this.kick();
  }
}
