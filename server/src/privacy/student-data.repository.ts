import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';

/** Everything held about one student, table by table (the export). */
export interface StudentData {
  student: Record<string, unknown>;
  guardians: Record<string, unknown>[];
  cards: Record<string, unknown>[];
  attendanceDays: Record<string, unknown>[];
  taps: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
  accounts: Record<string, unknown>[];
  auditEntries: Record<string, unknown>[];
}

/** The student's guardians: every one of them ($1 is the student's id). */
const GUARDIANS_OF = 'SELECT guardian_id FROM student_guardians WHERE student_id = $1';
/** The student's guardians linked to no other student: erased with the student. */
const GUARDIANS_ONLY_OF = `SELECT sg.guardian_id FROM student_guardians sg WHERE sg.student_id = $1
   AND NOT EXISTS (SELECT 1 FROM student_guardians o WHERE o.guardian_id = sg.guardian_id AND o.student_id <> $1)`;

/**
 * Tables holding a student's guardians' personal data beyond the ones read here (the notification
 * work, #13): `extraExportQueries` and `extraErasureStatements` are the extension point, keyed by
 * the name the export and the erasure counts use. Each takes the student's id as $1.
 * - Export: every consent record (who, when, how, withdrawn) and the per-event preferences of each
 *   guardian, and their push subscriptions without the encryption keys (`p256dh`, `auth` are the
 *   browser's secrets, not data about the person). The messages about this student are already
 *   `notifications`; messages a guardian got about another student are that student's data.
 * - Erasure (run before the links go): consents, push subscriptions and the outbox rows addressed
 *   to a guardian who is linked to no other student; the guardian row itself (with its
 *   preferences) follows. A guardian who is still another student's keeps all of it.
 */
export const extraExportQueries: Record<string, string> = {
  notificationConsents: `SELECT id::text, guardian_id AS "guardianId", channel, granted, at, method, note, recorded_by AS "recordedBy"
     FROM notification_consents WHERE guardian_id IN (${GUARDIANS_OF}) ORDER BY guardian_id, at, id`,
  notificationPreferences: `SELECT id AS "guardianId", channels, opted_out_events AS "optedOutEvents"
     FROM guardians WHERE id IN (${GUARDIANS_OF}) ORDER BY id`,
  pushSubscriptions: `SELECT id, guardian_id AS "guardianId", endpoint, user_agent AS "userAgent", created_at AS "createdAt", last_sent_at AS "lastSentAt"
     FROM push_subscriptions WHERE guardian_id IN (${GUARDIANS_OF}) ORDER BY guardian_id, created_at`,
};
export const extraErasureStatements: Record<string, string> = {
  notificationConsents: `DELETE FROM notification_consents WHERE guardian_id IN (${GUARDIANS_ONLY_OF})`,
  pushSubscriptions: `DELETE FROM push_subscriptions WHERE guardian_id IN (${GUARDIANS_ONLY_OF})`,
  guardianNotifications: `DELETE FROM notification_outbox WHERE guardian_id IN (${GUARDIANS_ONLY_OF}) AND student_id <> $1`,
};

/** The SQL of export and erasure of one student. */
@Injectable()
export class StudentDataRepository {
  constructor(private readonly db: Database) {}

  async read(
    studentId: string,
  ): Promise<(StudentData & { extra: Record<string, Record<string, unknown>[]> }) | null> {
    const q = (sql: string) => this.db.query(sql, [studentId]);
    const [student] = await q(
      `SELECT s.id, s.student_code AS "studentCode", s.name, s.birth_date AS "birthDate", s.gender, s.ethnicity, s.active, s.created_at AS "createdAt",
              c.name AS "className", sc.name AS "schoolName", s.school_id AS "schoolId", s.class_id AS "classId"
         FROM students s JOIN classes c ON c.id = s.class_id JOIN schools sc ON sc.id = s.school_id WHERE s.id = $1`,
    );
    if (!student) return null;
    const extra: Record<string, Record<string, unknown>[]> = {};
    for (const [table, sql] of Object.entries(extraExportQueries)) extra[table] = await q(sql);
    return {
      student,
      guardians: await q(
        `SELECT g.id, g.name, g.phone, g.email, g.zalo_id AS "zaloId", g.channels, sg.relation, g.created_at AS "createdAt"
           FROM guardians g JOIN student_guardians sg ON sg.guardian_id = g.id WHERE sg.student_id = $1 ORDER BY g.name`,
      ),
      cards: await q(
        `SELECT id, tech, text, printed, status, created_at AS "createdAt", retired_at AS "retiredAt" FROM cards WHERE student_id = $1 ORDER BY created_at`,
      ),
      attendanceDays: await q(
        `SELECT date::text, status, first_in AS "firstIn", last_out AS "lastOut", source, note, updated_at AS "updatedAt" FROM attendance_days WHERE student_id = $1 ORDER BY date`,
      ),
      taps: await q(
        `SELECT id, at, terminal, gateway_id AS "gatewayId", card, direction FROM taps WHERE student_id = $1 ORDER BY at`,
      ),
      notifications: await q(
        `SELECT id, event, channel, status, text, guardian_id AS "guardianId", created_at AS "createdAt", sent_at AS "sentAt" FROM notification_outbox WHERE student_id = $1 ORDER BY created_at`,
      ),
      accounts: await q(
        `SELECT u.id, u.username, u.role FROM user_students us JOIN users u ON u.id = us.user_id WHERE us.student_id = $1`,
      ),
      auditEntries: await q(
        `SELECT id::text, at, actor, action, entity FROM audit_log WHERE entity = 'student' AND entity_id = $1::text ORDER BY id`,
      ),
      extra,
    };
  }

  /**
   * Erase one student: taps, notifications, attendance, cards (and their keys), links to
   * guardians and accounts, the guardians linked to no other student, then the student.
   */
  /** Locks the student's row for an erasure in `c`'s transaction; their school, or null when there is no such student. */
  async lockStudent(c: SqlClient, studentId: string): Promise<{ schoolId: string } | null> {
    const r = await c.query<{ school_id: string }>(
      'SELECT school_id FROM students WHERE id = $1 FOR UPDATE',
      [studentId],
    );
    return r.rows[0] ? { schoolId: r.rows[0].school_id } : null;
  }

  async erase(c: SqlClient, studentId: string): Promise<Record<string, number>> {
    const n = async (sql: string) => (await c.query(sql, [studentId])).rowCount ?? 0;
    const counts: Record<string, number> = {};
    for (const [table, sql] of Object.entries(extraErasureStatements)) counts[table] = await n(sql);
    const guardians = (
      await c.query<{ guardian_id: string }>(
        'SELECT guardian_id FROM student_guardians WHERE student_id = $1',
        [studentId],
      )
    ).rows.map((r) => r.guardian_id);
    counts.taps = await n('DELETE FROM taps WHERE student_id = $1');
    counts.notifications = await n('DELETE FROM notification_outbox WHERE student_id = $1');
    counts.attendanceDays = await n('DELETE FROM attendance_days WHERE student_id = $1');
    counts.cards = await n('DELETE FROM cards WHERE student_id = $1'); // card_keys cascade
    counts.accountLinks = await n('DELETE FROM user_students WHERE student_id = $1');
    counts.guardianLinks = await n('DELETE FROM student_guardians WHERE student_id = $1');
    counts.guardians =
      (
        await c.query(
          'DELETE FROM guardians g WHERE g.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM student_guardians sg WHERE sg.guardian_id = g.id)',
          [guardians],
        )
      ).rowCount ?? 0;
    counts.students = await n('DELETE FROM students WHERE id = $1');
    return counts;
  }
}
