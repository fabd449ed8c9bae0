import { Module } from '@nestjs/common';
import { AttendanceController } from './attendance.controller.js';
import { AttendanceRepository } from './attendance.repository.js';
import { AttendanceService } from './attendance.service.js';
import { SchoolRulesService } from './school-rules.service.js';

@Module({
  controllers: [AttendanceController],
  providers: [AttendanceService, AttendanceRepository, SchoolRulesService],
  exports: [AttendanceService, SchoolRulesService, AttendanceRepository],
})
export class AttendanceModule {}
