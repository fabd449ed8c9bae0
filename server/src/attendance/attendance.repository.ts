import { Injectable } from '@nestjs/common';
import type { AttendanceStatus } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { enrolledOn, schoolDaySql } from '../calendar/enrolment.sql.js';

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

/** A day as the API shows it, from `attendance_days a` (the count of its taps read from `taps`). */
const DAY_COLUMNS = `a.date::text AS date, a.status, a.source, a.note, a.first_in, a.last_out,
  (SELECT count(*)::int FROM taps t WHERE t.student_id = a.student_id AND t.local_date = a.date) AS "tapCount",
  a.updated_by AS "updatedBy", a.updated_at AS "updatedAt"`;

/** A student's day as stored (instants as Dates; the service writes them in the school's zone). */
export interface StoredDay {
  date: string;
  status: AttendanceStatus;
  source: 'tap' | 'manual';
  note: string | null;
  first_in: Date | null;
  last_out: Date | null;
  tapCount: number;
  updatedBy: string | null;
  updatedAt: Date;
}

export interface StudentPlace {
  school_id: string;
  class_id: string;
  time_zone: string;
}

@Injectable()
export class AttendanceRepository {
  constructor(private readonly db: Database) {}

  /**
   * An `absent` row of `date` for every student enrolled in the school that day without one;
   * returns their ids.
   */
  async markAbsent(schoolId: string, date: string, c: SqlClient = this.db.pool): Promise<string[]> {
    const r = await c.query<{ student_id: string }>(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status)
       SELECT e.student_id, $2::date, e.school_id, e.class_id, 'absent'
         FROM enrolments e JOIN schools s ON s.id = e.school_id
        WHERE e.school_id = $1 AND ${enrolledOn('e', '$2::date')} AND ${schoolDaySql('s', '$2::date')}
       ON CONFLICT (student_id, date) DO NOTHING
       RETURNING student_id`,
      [schoolId, date],
    );
    return r.rows.map((x) => x.student_id);
  }

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

  /** The school, class and school zone of a student. */
  async studentPlace(studentId: string): Promise<StudentPlace | undefined> {
    const [row] = await this.db.query<StudentPlace & Record<string, unknown>>(
      'SELECT st.school_id, st.class_id, s.time_zone FROM students st JOIN schools s ON s.id = st.school_id WHERE st.id = $1',
      [studentId],
    );
    return row;
  }

  /** Runs `fn` in one transaction (the mark and its audit row commit together). */
  transaction<T>(fn: (c: SqlClient) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** The day as it was, locked until the transaction ends. */
  async lockDay(
    c: SqlClient,
    studentId: string,
    date: string,
  ): Promise<{ status: string; source: string; note: string | null } | undefined> {
    return (
      await c.query<{ status: string; source: string; note: string | null }>(
        'SELECT status, source, note FROM attendance_days WHERE student_id = $1 AND date = $2 FOR UPDATE',
        [studentId, date],
      )
    ).rows[0];
  }

  /** Mark by hand: status and reason with source 'manual' (first in / last out stay). */
  async markManual(
    c: SqlClient,
    m: {
      studentId: string;
      date: string;
      schoolId: string;
      classId: string;
      status: AttendanceStatus;
      reason: string;
      userId: string;
      at: Date;
    },
  ): Promise<StoredDay> {
    const r = await c.query<StoredDay>(
      `INSERT INTO attendance_days AS a (student_id, date, school_id, class_id, status, source, note, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'manual', $6, $7, $8)
         ON CONFLICT (student_id, date) DO UPDATE SET status = EXCLUDED.status, source = 'manual', note = EXCLUDED.note, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
         RETURNING ${DAY_COLUMNS}`,
      [m.studentId, m.date, m.schoolId, m.classId, m.status, m.reason, m.userId, m.at],
    );
    return r.rows[0]!;
  }

  /** A student's days from `from` to `to`, with the zone of the school of each day. */
  async studentDays(
    studentId: string,
    from: string,
    to: string,
  ): Promise<(StoredDay & { time_zone: string })[]> {
    return this.db.query<StoredDay & { time_zone: string }>(
      `SELECT ${DAY_COLUMNS}, s.time_zone
         FROM attendance_days a JOIN schools s ON s.id = a.school_id WHERE a.student_id = $1 AND a.date BETWEEN $2 AND $3 ORDER BY a.date`,
      [studentId, from, to],
    );
  }
}
