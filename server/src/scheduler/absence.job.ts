/**
 * The absence job: once a school's absence cut-off has passed on a school day, every enrolled
 * student without an attendance row for that day gets one with status `absent`, and their
 * guardians an `absent` outbox row (the event only: the notification worker decides whether, how
 * and when they are told), in one transaction. A tap that comes later (a drained
 * backlog, a late student) still turns the row into `present`/`late` through ingest.
 */
import { zonedTime } from '@rfid/protocol';
import type { Database } from '../db/database.service.js';
import { OUTBOX_EVENT_COLUMNS, OUTBOX_ONCE_A_DAY_SQL } from '../db/notification-outbox.sql.js';
import {
  isSchoolDay,
  rulesFromRow,
  SCHOOL_RULES_COLUMNS,
  type SchoolRulesRow,
} from '../attendance/attendance-rules.js';
import { enrolledOn } from '../calendar/enrolment.sql.js';

export interface SchoolDayDue {
  schoolId: string;
  date: string;
}

interface SchoolRow extends SchoolRulesRow {
  id: string;
}

/** The school days whose absence cut-off has passed at `now`, each school in its own zone. */
export async function dueSchoolDays(db: Database, now: Date): Promise<SchoolDayDue[]> {
  const schools = await db.query<SchoolRow>(`SELECT id, ${SCHOOL_RULES_COLUMNS} FROM schools`);
  const due: SchoolDayDue[] = [];
  for (const s of schools) {
    const rules = rulesFromRow(s);
    const z = zonedTime(now, rules.timeZone);
    if (!isSchoolDay(rules, z.date)) continue;
    if (z.minuteOfDay >= rules.absenceCutoff) due.push({ schoolId: s.id, date: z.date });
  }
  return due;
}

export async function markAbsences(
  db: Database,
  day: SchoolDayDue,
  now: Date,
): Promise<{ absent: number; notifications: number }> {
  return db.transaction(async (c) => {
    const absent = await c.query<{ student_id: string }>(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status)
       SELECT e.student_id, $2::date, e.school_id, e.class_id, 'absent' FROM enrolments e WHERE e.school_id = $1 AND ${enrolledOn('e', '$2::date')}
       ON CONFLICT (student_id, date) DO NOTHING
       RETURNING student_id`,
      [day.schoolId, day.date],
    );
    const ids = absent.rows.map((r) => r.student_id);
    if (ids.length === 0) return { absent: 0, notifications: 0 };
    const outbox = await c.query(
      `INSERT INTO notification_outbox (${OUTBOX_EVENT_COLUMNS})
       SELECT s.id, s.school_id, $2::date, sg.guardian_id, NULL, 'absent', $3::timestamptz, '{}'::jsonb
         FROM students s
         JOIN student_guardians sg ON sg.student_id = s.id
        WHERE s.id = ANY($1::uuid[])
        ORDER BY s.id, sg.guardian_id
       ${OUTBOX_ONCE_A_DAY_SQL}`,
      [ids, day.date, now.toISOString()],
    );
    return { absent: ids.length, notifications: outbox.rowCount ?? 0 };
  });
}
