import { Module } from '@nestjs/common';
import { PushController } from './push.controller.js';
import { PushSubscriptionsService } from './push-subscriptions.service.js';

/** The parent's browser registers for Web Push here; the push channel reads what it registered. */
@Module({
  controllers: [PushController],
  providers: [PushSubscriptionsService],
  exports: [PushSubscriptionsService],
})
export class PushModule {}
