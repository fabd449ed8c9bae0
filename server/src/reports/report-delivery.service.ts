/**
 * Starts and stops this replica's report delivery worker with the server (as the notification
 * worker: `NOTIFY_WORKER`, lease `NOTIFY_LEASE_MS`, poll `NOTIFY_POLL_MS`, time-out
 * `NOTIFY_SEND_TIMEOUT_MS`), and answers the district's list of deliveries of a day.
 */
import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database } from '../db/database.service.js';
import { ReportDeliveriesRepository } from './report-deliveries.repository.js';
import { ReportDeliveryWorker } from './report-delivery.worker.js';
import { REPORT_MAILER, type ReportMailer } from './report-delivery.js';

@Injectable()
export class ReportDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly worker: ReportDeliveryWorker;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) clock: Clock,
    @Inject(LOGGER) logger: Logger,
    db: Database,
    repo: ReportDeliveriesRepository,
    @Optional() @Inject(REPORT_MAILER) private readonly mailer: ReportMailer | null = null,
  ) {
    this.worker = new ReportDeliveryWorker(
      `${config.serverId}`,
      db,
      repo,
      mailer,
      clock,
      {
        leaseMs: config.notifyLeaseMs,
        pollMs: config.notifyPollMs,
        sendTimeoutMs: config.notifySendTimeoutMs,
      },
      logger,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.notifyWorker) await this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    // After the worker: no delivery is mailing any more when the SMTP pool closes.
    this.mailer?.close?.();
  }
}
