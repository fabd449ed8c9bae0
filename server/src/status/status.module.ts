import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.js';
import { TapsRepository } from '../ingest/taps.repository.js';
import { GatewayStatusRepository } from './gateway-status.repository.js';
import { GatewayStatusService } from './gateway-status.service.js';
import { CommandsModule } from '../commands/commands.module.js';

@Module({
  imports: [DevicesModule, CommandsModule],
  providers: [GatewayStatusService, GatewayStatusRepository, TapsRepository],
})
export class StatusModule {}
