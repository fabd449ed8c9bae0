import { Global, Module } from '@nestjs/common';
import { LIVE_ACCESS_POLICY, OpenLiveAccessPolicy } from './live-access.policy.js';
import { LiveGateway } from './live.gateway.js';
import { LiveService } from './live.service.js';

@Global()
@Module({
  providers: [LiveService, LiveGateway, { provide: LIVE_ACCESS_POLICY, useClass: OpenLiveAccessPolicy }],
  exports: [LiveService],
})
export class LiveModule {}
