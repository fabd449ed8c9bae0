import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Gateway, School } from '../db/entities/index.js';
import { DevicesController } from './devices.controller.js';
import { DevicesService } from './devices.service.js';
import { CommandsModule } from '../commands/commands.module.js';

@Module({
  imports: [TypeOrmModule.forFeature([Gateway, School]), CommandsModule],
  controllers: [DevicesController],
  providers: [DevicesService],
  exports: [DevicesService],
})
export class DevicesModule {}
