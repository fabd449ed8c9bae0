import { Module } from '@nestjs/common';
import { ManualAttendanceController } from './manual-attendance.controller.js';

@Module({ controllers: [ManualAttendanceController] })
export class ManualAttendanceModule {}
