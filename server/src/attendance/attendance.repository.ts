import { Injectable } from '@nestjs/common';
import type { AttendanceStatus } from '@rfid/protocol';
import { Database } from '../db/database.service.js';
import { enrolledOn } from '../calendar/enrolment.sql.js';

export interface RosterDayRow {
  student_id: string;
  name: string;
  class_id: string;
  class_name: string;
  status: AttendanceStatus | null;
  first_in: Date | null;
  last_out: Date | null;
  source: 'tap' | 'manual' | null;
  note: string | null;
}

export interface TapDayRow {
  id: string;
  card: string;
  terminal: string;
  gateway_id: string;
  at: Date;
  student_id: string | null;
  direction: 'in' | 'out' | null;
}

@Injectable()
export class AttendanceRepository {
  constructor(private readonly db: Database) {}

  async schoolExists(schoolId: string): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM schools WHERE id = $1', [schoolId])).length > 0;
  }

  /** Every student enrolled in the school on `date` (in that day's class) with their attendance row of `date` (if any). */
  async schoolDay(schoolId: string, date: string): Promise<RosterDayRow[]> {
    return this.db.query<RosterDayRow>(
      `SELECT s.id AS student_id, s.name, e.class_id, c.name AS class_name, a.status, a.first_in, a.last_out, a.source, a.note
         FROM enrolments e
         JOIN students s ON s.id = e.student_id
         JOIN classes c ON c.id = e.class_id
         LEFT JOIN attendance_days a ON a.student_id = s.id AND a.date = $2::date
        WHERE e.school_id = $1 AND ${enrolledOn('e', '$2::date')}
        ORDER BY c.name, s.name, s.id`,
      [schoolId, date],
    );
  }

  /** Taps of the school whose school-local date is `date` (range on the (school_id, at) index). */
  async schoolTaps(schoolId: string, date: string, from: Date, to: Date): Promise<TapDayRow[]> {
    return this.db.query<TapDayRow>(
      `SELECT id, card, terminal, gateway_id, at, student_id, direction
         FROM taps
        WHERE school_id = $1 AND at >= $2 AND at < $3 AND local_date = $4::date
        ORDER BY at, id`,
      [schoolId, from.toISOString(), to.toISOString(), date],
    );
  }
}
