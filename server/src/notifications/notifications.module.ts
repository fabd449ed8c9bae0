import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { ProvidersController } from './providers.controller.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';
import { StaffAlertsRepository } from './staff-alerts.repository.js';
import { StaffAlertsService } from './staff-alerts.js';

/** Parent notifications (#13): policy, templates, worker, channels, API, delivery reports; staff alerts. */
@Module({
  controllers: [NotificationsController, ProvidersController],
  providers: [NotificationsRepository, NotificationsService, StaffAlertsRepository, StaffAlertsService],
  exports: [NotificationsService, StaffAlertsService],
})
export class NotificationsModule {}
