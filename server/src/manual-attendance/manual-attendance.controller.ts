import { Body, Controller, Get, Inject, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AttendanceDaySchema, AttendanceDaysSchema, DateRangeQuerySchema, IsoDateSchema, ManualMarkSchema, toRfc3339, zonedTime, type AttendanceDay, type Clock } from '@rfid/protocol';
import { parseBody } from '../common/validation.js';
import { ZodBody, ZodResponse } from '../common/openapi.js';
import { DomainError } from '../common/domain-error.js';
import { CLOCK } from '../config/config.js';
import { Database } from '../db/database.service.js';
import { CurrentCaller, Roles } from '../auth/decorators.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { LiveService } from '../live/live.service.js';

const ManualMark = ManualMarkSchema;

/** A day as the API shows it, from `attendance_days a` (the count of its taps read from `taps`). */
const DAY_COLUMNS = `a.date::text AS date, a.status, a.source, a.note, a.first_in, a.last_out,
  (SELECT count(*)::int FROM taps t WHERE t.student_id = a.student_id AND t.local_date = a.date) AS "tapCount",
  a.updated_by AS "updatedBy", a.updated_at AS "updatedAt"`;

type DayRow = AttendanceDay;

/**
 * A teacher (of the student's class) or school staff marks a student present or excused with a
 * reason. Stored in attendance_days with source='manual' beside the tap data (first in / last out
 * stay; later taps update only the times, never the status), audited with the status before.
 */
@ApiTags('attendance')
@ApiBearerAuth()
@Controller('students/:studentId/attendance')
export class ManualAttendanceController {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly live: LiveService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Put(':date')
  @Roles('admin', 'district', 'school', 'teacher')
  @ApiOperation({ summary: 'Mark present/excused by hand, with a reason (teacher of the class or school staff). Present only for today or earlier.' })
  @ZodBody(ManualMark)
  @ZodResponse(AttendanceDaySchema)
  async mark(@CurrentCaller() caller: Caller, @Param('studentId') studentId: string, @Param('date') date: string, @Body() body: unknown): Promise<DayRow> {
    const day = parseBody(IsoDateSchema, date);
    const input = parseBody(ManualMark, body);
    const [student] = await this.db.query<{ school_id: string; class_id: string; time_zone: string }>(
      'SELECT st.school_id, st.class_id, s.time_zone FROM students st JOIN schools s ON s.id = st.school_id WHERE st.id = $1',
      [studentId],
    );
    if (!student) throw new DomainError('not_found', `student ${studentId} not found`);
    const today = zonedTime(this.clock.now(), student.time_zone).date;
    if (input.status === 'present' && day > today) throw new DomainError('bad_request', `date: ${day} is in the future; only "excused" can be set ahead`);
    const row = await this.db.transaction(async (c) => {
      const before = (await c.query<{ status: string; source: string; note: string | null }>('SELECT status, source, note FROM attendance_days WHERE student_id = $1 AND date = $2 FOR UPDATE', [studentId, day])).rows[0];
      const r = await c.query<DayRow & { first_in: Date | null; last_out: Date | null }>(
        `INSERT INTO attendance_days AS a (student_id, date, school_id, class_id, status, source, note, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'manual', $6, $7, $8)
         ON CONFLICT (student_id, date) DO UPDATE SET status = EXCLUDED.status, source = 'manual', note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
         RETURNING ${DAY_COLUMNS}`,
        [studentId, day, student.school_id, student.class_id, input.status, input.reason, caller.userId, this.clock.now()],
      );
      await this.audit.record(
        caller,
        { action: 'attendance.set', entity: 'attendance_day', entityId: `${studentId}/${day}`, schoolId: student.school_id, details: { studentId, date: day, status: input.status, reason: input.reason, before: before ?? null } },
        c,
      );
      return r.rows[0]!;
    });
    const view: DayRow = {
      ...row,
      firstIn: row.first_in ? toRfc3339(row.first_in, student.time_zone) : null,
      lastOut: row.last_out ? toRfc3339(row.last_out, student.time_zone) : null,
    };
    delete (view as Partial<typeof row>).first_in;
    delete (view as Partial<typeof row>).last_out;
    this.live.emitAttendance([{ schoolId: student.school_id, classId: student.class_id, studentId, date: day, status: input.status, firstIn: view.firstIn, lastOut: view.lastOut, tapId: null }]);
    return view;
  }

  @Get()
  @ApiOperation({ summary: 'Days of a student with status, source (tap|manual), reason and tap times.' })
  @ApiQuery({ name: 'from', required: true })
  @ApiQuery({ name: 'to', required: true })
  @ZodResponse(AttendanceDaysSchema)
  async days(@Param('studentId') studentId: string, @Query() query: unknown): Promise<DayRow[]> {
    const q = parseBody(DateRangeQuerySchema, query);
    const rows = await this.db.query<DayRow & { first_in: Date | null; last_out: Date | null; time_zone: string }>(
      `SELECT ${DAY_COLUMNS}, s.time_zone
         FROM attendance_days a JOIN schools s ON s.id = a.school_id WHERE a.student_id = $1 AND a.date BETWEEN $2 AND $3 ORDER BY a.date`,
      [studentId, q.from, q.to],
    );
    return rows.map(({ first_in, last_out, time_zone, ...r }) => ({ ...r, firstIn: first_in ? toRfc3339(first_in, time_zone) : null, lastOut: last_out ? toRfc3339(last_out, time_zone) : null }));
  }
}
