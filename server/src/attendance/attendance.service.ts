import { Inject, Injectable } from '@nestjs/common';
import { toRfc3339, type AttendanceRow, type Clock, type SchoolTap } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { AttendanceRepository } from './attendance.repository.js';
import { SchoolRulesService } from './school-rules.service.js';
import { isSchoolDay, statusWithoutTap } from './attendance-rules.js';

export type { AttendanceRow, SchoolTap };

/** A school's day: one row per enrolled student, tapped or not, and the day's taps. */
@Injectable()
export class AttendanceService {
  constructor(
    private readonly repo: AttendanceRepository,
    private readonly schools: SchoolRulesService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private async context(schoolId: string) {
    const ctx = (await this.schools.get([schoolId])).get(schoolId);
    if (!ctx) throw new DomainError('not_found', `school ${schoolId} not found`);
    return ctx;
  }

  async schoolDay(schoolId: string, date: string): Promise<AttendanceRow[]> {
    const { rules } = await this.context(schoolId);
    const now = this.clock.now();
    const rows = await this.repo.schoolDay(schoolId, date);
    // Not a school day (a weekend, a holiday — also one declared after the absence job ran — or
    // before the school's first day): nobody is absent; a stored `absent` shows as `excused`.
    const schoolDay = isSchoolDay(rules, date);
    return rows.map((r) => ({
      studentId: r.student_id,
      name: r.name,
      classId: r.class_id,
      className: r.class_name,
      status:
        !schoolDay && (r.status === 'absent' || r.status === 'pending' || !r.status)
          ? 'excused'
          : (r.status ?? statusWithoutTap(rules, date, now)),
      firstIn: r.first_in ? toRfc3339(r.first_in, rules.timeZone) : null,
      lastOut: r.last_out ? toRfc3339(r.last_out, rules.timeZone) : null,
      source: r.source ?? null,
      reason: r.source === 'manual' ? r.note : null,
    }));
  }

  async schoolTaps(schoolId: string, date: string): Promise<SchoolTap[]> {
    const { rules } = await this.context(schoolId);
    // Local day bounds with a day of slack either side; local_date makes it exact.
    const midnightUtc = Date.parse(`${date}T00:00:00Z`);
    const rows = await this.repo.schoolTaps(
      schoolId,
      date,
      new Date(midnightUtc - 86_400_000),
      new Date(midnightUtc + 2 * 86_400_000),
    );
    return rows.map((r) => ({
      id: r.id,
      card: r.card,
      terminal: r.terminal,
      gatewayId: r.gateway_id,
      at: toRfc3339(r.at, rules.timeZone),
      studentId: r.student_id,
      direction: r.direction,
    }));
  }
}
