import { Module } from '@nestjs/common';
import { AttendanceModule } from '../attendance/attendance.module.js';
import { ManualAttendanceController } from './manual-attendance.controller.js';
import { ManualAttendanceService } from './manual-attendance.service.js';

@Module({
  imports: [AttendanceModule],
  controllers: [ManualAttendanceController],
  providers: [ManualAttendanceService],
})
export class ManualAttendanceModule {}
