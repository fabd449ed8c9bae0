import { Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { ProvidersController } from './providers.controller.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';

/** Parent notifications (#13): policy, templates, worker, channels, API, delivery reports. */
@Module({
  controllers: [NotificationsController, ProvidersController],
  providers: [NotificationsRepository, NotificationsService],
  exports: [NotificationsService],
})
export class NotificationsModule {}
