import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  AttendanceDaySchema,
  AttendanceDaysSchema,
  DateRangeQuerySchema,
  IsoDateSchema,
  ManualMarkSchema,
  type AttendanceDay,
} from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import type { Caller } from '../auth/caller.js';
import { ManualAttendanceService } from './manual-attendance.service.js';

const ManualMark = ManualMarkSchema;

/** Marks by hand and a student's days; the rules are ManualAttendanceService's. */
@ApiTags('attendance')
@ApiBearerAuth()
@Controller('students/:studentId/attendance')
export class ManualAttendanceController {
  constructor(private readonly manual: ManualAttendanceService) {}

  @Put(':date')
  @Roles('admin', 'district', 'school', 'teacher')
  @ApiOperation({
    summary:
      'Mark present/excused by hand, with a reason (teacher of the class or school staff). Present only for today or earlier.',
  })
  @ZodBody(ManualMark)
  @ZodResponse(AttendanceDaySchema)
  async mark(
    @CurrentCaller() caller: Caller,
    @Param('studentId') studentId: string,
    @Param('date') date: string,
    @Body() body: unknown,
  ): Promise<AttendanceDay> {
    const day = parseBody(IsoDateSchema, date);
    const input = parseBody(ManualMark, body);
    return this.manual.mark(caller, studentId, day, input);
  }

  @Get()
  @ApiOperation({ summary: 'Days of a student with status, source (tap|manual), reason and tap times.' })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ZodResponse(AttendanceDaysSchema)
  async days(@Param('studentId') studentId: string, @Query() query: unknown): Promise<AttendanceDay[]> {
    const q = parseBody(DateRangeQuerySchema, query);
    return this.manual.days(studentId, q.from, q.to);
  }
}
