import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module.js';
import { AttendanceModule } from '../attendance/attendance.module.js';
import { IngestService } from './ingest.service.js';
import { TapsRepository } from './taps.repository.js';
import { CardDirectory } from './card-directory.js';

@Module({
  imports: [DevicesModule, AttendanceModule],
  providers: [IngestService, TapsRepository, CardDirectory],
  exports: [IngestService],
})
export class IngestModule {}
