import { Module } from '@nestjs/common';
import { SchedulerService } from './scheduler.service.js';
import { ReportsModule } from '../reports/reports.module.js';

/** Scheduled jobs that run once across replicas (claims in `job_runs`). */
@Module({ imports: [ReportsModule], providers: [SchedulerService], exports: [SchedulerService] })
export class SchedulerModule {}
