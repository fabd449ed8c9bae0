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
  ) {
    this.log = logger.child({ component: 'scheduler' });
    this.lock = new JobLock(db, config.serverId);
  }

  onApplicationBootstrap(): void {
    if (this.config.schedulerIntervalMs === 0) return;
    this.timer = setInterval(() => void this.runDue().catch((e: unknown) => this.log.error({ err: e }, 'scheduler tick failed')), this.config.schedulerIntervalMs);
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
    return ran;
  }
}
