import { Module } from '@nestjs/common';
import { SchedulerService } from './scheduler.service.js';
import { ReportsModule } from '../reports/reports.module.js';
import { RetentionRepository } from '../privacy/retention.repository.js';
import { NotificationsModule } from '../notifications/notifications.module.js';

/** Scheduled jobs that run once across replicas (claims in `job_runs`). */
@Module({
  imports: [ReportsModule, NotificationsModule],
  providers: [SchedulerService, RetentionRepository],
  exports: [SchedulerService],
})
export class SchedulerModule {}
