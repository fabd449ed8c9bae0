import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  AttendanceRowsSchema,
  IsoDateSchema,
  SchoolTapsSchema,
  UuidSchema,
  type AttendanceRow,
  type SchoolTap,
} from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { ZodResponse } from '../common/openapi.js';
import { AttendanceService } from './attendance.service.js';

const DayQuery = z.object({ schoolId: UuidSchema, date: IsoDateSchema });

/** A school's day; who may read which school is checked by the AuthGuard (an id out of scope is 404). */
@ApiTags('attendance')
@ApiBearerAuth()
@Controller('schools/:schoolId')
export class AttendanceController {
  constructor(private readonly attendance: AttendanceService) {}

  @Get('attendance')
  @ApiQuery({ name: 'date', required: true, description: 'YYYY-MM-DD' })
  @ZodResponse(AttendanceRowsSchema)
  async attendanceOfDay(
    @Param('schoolId') schoolId: string,
    @Query('date') date: string,
  ): Promise<AttendanceRow[]> {
    const q = parseBody(DayQuery, { schoolId, date });
    return this.attendance.schoolDay(q.schoolId, q.date);
  }

  @Get('taps')
  @ApiQuery({ name: 'date', required: true, description: 'YYYY-MM-DD' })
  @ZodResponse(SchoolTapsSchema)
  async tapsOfDay(@Param('schoolId') schoolId: string, @Query('date') date: string): Promise<SchoolTap[]> {
    const q = parseBody(DayQuery, { schoolId, date });
    return this.attendance.schoolTaps(q.schoolId, q.date);
  }
}
