/**
 * The absence job: once a school's absence cut-off has passed on a school day, every enrolled
 * student without an attendance row for that day gets one with status `absent`, and their
 * guardians an `absent` outbox row (the event only: the notification worker decides whether, how
 * and when they are told), in one transaction. A tap that comes later (a drained
 * backlog, a late student) still turns the row into `present`/`late` through ingest.
 */
import { zonedTime } from '@rfid/protocol';
import type { Database } from '../db/database.service.js';
import { NotificationOutboxRepository } from '../db/notification-outbox.repository.js';
import { AttendanceRepository } from '../attendance/attendance.repository.js';
import {
  isSchoolDay,
  rulesFromRow,
  SCHOOL_RULES_COLUMNS,
  type SchoolRulesRow,
} from '../attendance/attendance-rules.js';

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
  const attendance = new AttendanceRepository(db);
  const outbox = new NotificationOutboxRepository(db);
  return db.transaction(async (c) => {
    const ids = await attendance.markAbsent(day.schoolId, day.date, c);
    if (ids.length === 0) return { absent: 0, notifications: 0 };
    return { absent: ids.length, notifications: await outbox.addAbsentEvents(ids, day.date, now, c) };
  });
}
