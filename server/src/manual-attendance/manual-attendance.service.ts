import { Inject, Injectable } from '@nestjs/common';
import { toRfc3339, zonedTime, type AttendanceDay, type Clock, type ManualMark } from '@rfid/protocol';
import { DomainError } from '../common/domain-error.js';
import { CLOCK } from '../config/config.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { LiveService } from '../live/live.service.js';
import { AttendanceRepository, type StoredDay } from '../attendance/attendance.repository.js';

/** A stored day as the API shows it: instants in the school's zone. */
export function dayView({ first_in, last_out, ...day }: StoredDay, timeZone: string): AttendanceDay {
  return {
    ...day,
    firstIn: first_in ? toRfc3339(first_in, timeZone) : null,
    lastOut: last_out ? toRfc3339(last_out, timeZone) : null,
  };
}

/**
 * A teacher (of the student's class) or school staff marks a student present or excused with a
 * reason. Stored in attendance_days with source='manual' beside the tap data (first in / last out
 * stay; later taps update only the times, never the status), audited with the status before, and
 * announced on the live channel.
 */
@Injectable()
export class ManualAttendanceService {
  constructor(
    private readonly repo: AttendanceRepository,
    private readonly audit: AuditService,
    private readonly live: LiveService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async mark(caller: Caller, studentId: string, day: string, input: ManualMark): Promise<AttendanceDay> {
    const student = await this.repo.studentPlace(studentId);
    if (!student) throw new DomainError('not_found', `student ${studentId} not found`);
    const now = this.clock.now();
    const today = zonedTime(now, student.time_zone).date;
    if (input.status === 'present' && day > today)
      throw new DomainError('bad_request', `date: ${day} is in the future; only "excused" can be set ahead`);
    const row = await this.repo.transaction(async (c) => {
      const before = await this.repo.lockDay(c, studentId, day);
      const r = await this.repo.markManual(c, {
        studentId,
        date: day,
        schoolId: student.school_id,
        classId: student.class_id,
        status: input.status,
        reason: input.reason,
        userId: caller.userId,
        at: now,
      });
      await this.audit.record(
        caller,
        {
          action: 'attendance.set',
          entity: 'attendance_day',
          entityId: `${studentId}/${day}`,
          schoolId: student.school_id,
          details: {
            studentId,
            date: day,
            status: input.status,
            reason: input.reason,
            before: before ?? null,
          },
        },
        c,
      );
      return r;
    });
    const view = dayView(row, student.time_zone);
    this.live.emitAttendance([
      {
        schoolId: student.school_id,
        classId: student.class_id,
        studentId,
        date: day,
        status: input.status,
        firstIn: view.firstIn,
        lastOut: view.lastOut,
        tapId: null,
      },
    ]);
    return view;
  }

  async days(studentId: string, from: string, to: string): Promise<AttendanceDay[]> {
    const rows = await this.repo.studentDays(studentId, from, to);
    return rows.map(({ time_zone, ...r }) => dayView(r, time_zone));
  }
}
