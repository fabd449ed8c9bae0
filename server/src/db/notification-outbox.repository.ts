/**
 * Event writes to `notification_outbox` outside ingest (whose check-in/check-out rows are part of
 * its batch statement in `taps.repository.ts`): one row per guardian, once a day per event.
 */
import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from './database.service.js';
import { OUTBOX_EVENT_COLUMNS, OUTBOX_ONCE_A_DAY_SQL } from './notification-outbox.sql.js';

@Injectable()
export class NotificationOutboxRepository {
  constructor(private readonly db: Database) {}

  /** An `absent` event of `date` for every guardian of these students; returns the rows written. */
  async addAbsentEvents(
    studentIds: string[],
    date: string,
    at: Date,
    c: SqlClient = this.db.pool,
  ): Promise<number> {
    const r = await c.query(
      `INSERT INTO notification_outbox (${OUTBOX_EVENT_COLUMNS})
       SELECT s.id, s.school_id, $2::date, sg.guardian_id, NULL, 'absent', $3::timestamptz, '{}'::jsonb
         FROM students s
         JOIN student_guardians sg ON sg.student_id = s.id
        WHERE s.id = ANY($1::uuid[])
        ORDER BY s.id, sg.guardian_id
       ${OUTBOX_ONCE_A_DAY_SQL}`,
      [studentIds, date, at.toISOString()],
    );
    return r.rowCount ?? 0;
  }
}
