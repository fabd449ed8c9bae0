import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.js';
import { TapsRepository } from '../ingest/taps.repository.js';
import { GatewayStatusService } from './gateway-status.service.js';

@Module({ imports: [DevicesModule], providers: [GatewayStatusService, TapsRepository] })
export class StatusModule {}
