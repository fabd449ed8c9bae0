import { Global, Module } from '@nestjs/common';
import { LIVE_ACCESS_POLICY } from './live-access.policy.js';
import { AuthLiveAccessPolicy } from '../auth/auth-live-access.policy.js';
import { LiveGateway } from './live.gateway.js';
import { LiveService } from './live.service.js';

@Global()
@Module({
  providers: [LiveService, LiveGateway, { provide: LIVE_ACCESS_POLICY, useExisting: AuthLiveAccessPolicy }],
  exports: [LiveService],
})
export class LiveModule {}
