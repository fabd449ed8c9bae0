/**
 * Scheduled jobs. Every replica ticks (SCHEDULER_INTERVAL_MS, default a minute); each job's work
 * is split into keys (one school's day) and each key is claimed in `job_runs` before it runs, so
 * with any number of replicas it runs once. Jobs of the next wave (daily district reports,
 * notification sending) register here the same way.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database } from '../db/database.service.js';
import { JobLock } from './job-lock.js';
import { dueSchoolDays, markAbsences } from './absence.job.js';
import { ReportsService } from '../reports/reports.service.js';
import { runRetention } from '../privacy/retention.job.js';
import { RetentionRepository } from '../privacy/retention.repository.js';
import { StaffAlertsService } from '../notifications/staff-alerts.js';

export interface JobOutcome {
  job: string;
  key: string;
  result: unknown;
}

@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Logger;
  private readonly lock: JobLock;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<JobOutcome[]> | null = null;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    private readonly db: Database,
    private readonly reports: ReportsService,
    private readonly retention: RetentionRepository,
    private readonly staffAlerts: StaffAlertsService,
  ) {
    this.log = logger.child({ component: 'scheduler' });
    this.lock = new JobLock(db, config.serverId);
  }

  onApplicationBootstrap(): void {
    if (this.config.schedulerIntervalMs === 0) return;
    this.timer = setInterval(
      () => void this.runDue().catch((e: unknown) => this.log.error({ err: e }, 'scheduler tick failed')),
      this.config.schedulerIntervalMs,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One tick: run every due job key this replica can claim; returns what it ran. */
  runDue(): Promise<JobOutcome[]> {
    this.running ??= this.tick().finally(() => (this.running = null));
    return this.running;
  }

  private async tick(): Promise<JobOutcome[]> {
    const ran: JobOutcome[] = [];
    for (const day of await dueSchoolDays(this.db, this.clock.now())) {
      const key = `${day.schoolId}:${day.date}`;
      if (!(await this.lock.claim('absence', key))) continue;
      try {
        const result = await markAbsences(this.db, day, this.clock.now());
        await this.lock.finish('absence', key, result);
        if (result.absent) this.log.info({ job: 'absence', ...day, ...result }, 'absences marked');
        ran.push({ job: 'absence', key, result });
      } catch (e) {
        await this.lock.release('absence', key);
        this.log.error({ err: e, job: 'absence', ...day }, 'absence job failed; it will be retried');
      }
    }
    ran.push(...(await this.dailyReports()));
    // Staff alerts: every tick (one replica at a time, under their own lock); idempotent.
    try {
      const alerts = await this.staffAlerts.evaluate(this.clock.now());
      if (alerts.opened || alerts.resolved || alerts.lostCards) {
        this.log.info({ job: 'staff-alerts', ...alerts }, 'staff alerts');
        ran.push({ job: 'staff-alerts', key: '*', result: alerts });
      }
    } catch (e) {
      this.log.error({ err: e, job: 'staff-alerts' }, 'staff alerts failed; the next tick retries');
    }
    const retention = await this.retentionOnce();
    if (retention) ran.push(retention);
    return ran;
  }

  /**
   * Daily reports: at each school's report time its day is made and submitted (one replica per
   * school-day, by claim); then the days whose attendance changed after their report get a new
   * revision (the dirty queue is taken with SKIP LOCKED, so replicas share it).
   */
  private async dailyReports(): Promise<JobOutcome[]> {
    const ran: JobOutcome[] = [];
    for (const due of await this.reports.dueReports()) {
      const key = `${due.school_id}:${due.date}`;
      if (!(await this.lock.claim('daily-report', key))) continue;
      try {
        const result = await this.reports.makeRevision(due.school_id, due.date, 'scheduled', 'system');
        await this.lock.finish('daily-report', key, result);
        ran.push({ job: 'daily-report', key, result });
      } catch (e) {
        await this.lock.release('daily-report', key);
        this.log.error(
          { err: e, job: 'daily-report', schoolId: due.school_id, date: due.date },
          'daily report failed; it will be retried',
        );
      }
    }
    const amended = await this.reports.amendChanged();
    if (amended) ran.push({ job: 'report-amend', key: '*', result: { amended } });
    return ran;
  }

  /** The retention job, once a (UTC) day across replicas. */
  private async retentionOnce(): Promise<JobOutcome | null> {
    const now = this.clock.now();
    const key = now.toISOString().slice(0, 10);
    if (!(await this.lock.claim('retention', key))) return null;
    try {
      const result = await runRetention(this.retention, this.config, now);
      await this.lock.finish('retention', key, result);
      this.log.info({ job: 'retention', key, ...result }, 'retention run');
      return { job: 'retention', key, result };
    } catch (e) {
      await this.lock.release('retention', key);
      this.log.error({ err: e, job: 'retention', key }, 'retention job failed; it will be retried');
      return null;
    }
  }
}
