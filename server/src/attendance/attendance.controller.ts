import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { parseBody } from '../common/validation.js';
import { AttendanceService, type AttendanceRow, type SchoolTap } from './attendance.service.js';

const DayQuery = z.object({
  schoolId: z.string().uuid(),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a real date'),
});

/** Scope checks (who may read which school) are added by the auth module (#6). */
@Controller('schools/:schoolId')
export class AttendanceController {
  constructor(private readonly attendance: AttendanceService) {}

  @Get('attendance')
  async attendanceOfDay(@Param('schoolId') schoolId: string, @Query('date') date: string): Promise<AttendanceRow[]> {
    const q = parseBody(DayQuery, { schoolId, date });
    return this.attendance.schoolDay(q.schoolId, q.date);
  }

  @Get('taps')
  async tapsOfDay(@Param('schoolId') schoolId: string, @Query('date') date: string): Promise<SchoolTap[]> {
    const q = parseBody(DayQuery, { schoolId, date });
    return this.attendance.schoolTaps(q.schoolId, q.date);
  }
}
