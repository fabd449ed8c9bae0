/**
 * The absence job: once a school's absence cut-off has passed on a school day, every enrolled
 * student without an attendance row for that day gets one with status `absent`, and their
 * guardians an `absent` outbox row (the event only: the notification worker decides whether, how
 * and when they are told), in one transaction. A tap that comes later (a drained
 * backlog, a late student) still turns the row into `present`/`late` through ingest.
 */
import type { Database } from '../db/database.service.js';
import { NotificationOutboxRepository } from '../db/notification-outbox.repository.js';
import { AttendanceRepository } from '../attendance/attendance.repository.js';
import { dayClosedSql, schoolDaySql } from '../calendar/enrolment.sql.js';

export interface SchoolDayDue {
  schoolId: string;
  date: string;
}

/**
 * The school days whose absence cut-off has passed at `now`, each school in its own zone: the
 * reports' own SQL forms (`school_day()`: weekday, holidays, first day; the cut-off), so the job
 * and the reports can never disagree about which day is a school day.
 */
export async function dueSchoolDays(db: Database, now: Date): Promise<SchoolDayDue[]> {
  const rows = await db.query<{ id: string; date: string }>(
    `SELECT s.id, d.date::text AS date
       FROM schools s
       CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.time_zone)::date AS date) d
      WHERE ${schoolDaySql('s', 'd.date')} AND ${dayClosedSql('s', 'd.date', '$1')}
      ORDER BY s.id`,
    [now.toISOString()],
  );
  return rows.map((r) => ({ schoolId: r.id, date: r.date }));
}

export async function markAbsences(
  db: Database,
  day: SchoolDayDue,
  now: Date,
): Promise<{ absent: number; notifications: number }> {
  const attendance = new AttendanceRepository(db);
  const outbox = new NotificationOutboxRepository(db);
  return db.transaction(async (c) => {
    const ids = await attendance.markAbsent(day.schoolId, day.date, c);
    if (ids.length === 0) return { absent: 0, notifications: 0 };
    return { absent: ids.length, notifications: await outbox.addAbsentEvents(ids, day.date, now, c) };
  });
}
