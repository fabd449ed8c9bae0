import { Module } from '@nestjs/common';
import { SchedulerService } from './scheduler.service.js';

/** Scheduled jobs that run once across replicas (claims in `job_runs`). */
@Module({ providers: [SchedulerService], exports: [SchedulerService] })
export class SchedulerModule {}
