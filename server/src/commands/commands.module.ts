import { Module } from '@nestjs/common';
import { GatewayCommandsService } from './gateway-commands.service.js';

@Module({ providers: [GatewayCommandsService], exports: [GatewayCommandsService] })
export class CommandsModule {}
