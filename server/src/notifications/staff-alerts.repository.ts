/**
 * Every write of the staff alerts (`staff-alerts.ts`): the alerts, the outages they announce, and
 * their messages in the outbox (due once per alert and event: `notification_outbox_staff_once`).
 */
import { Injectable } from '@nestjs/common';
import type { SqlClient } from '../db/database.service.js';
import type { StaffEvent } from './templates.js';

@Injectable()
export class StaffAlertsRepository {
  /** Serialises evaluations across replicas for the transaction (decisions read what the last one wrote). */
  async lock(c: SqlClient): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('rfid.staff_alerts'))`);
  }

  /** A new alert; returns its id, or null when it exists already (a lost card's once-a-day key). */
  async createAlert(
    c: SqlClient,
    a: {
      schoolId: string;
      kind: 'devices_offline' | 'lost_card';
      day: string;
      subject: string | null;
      /** The student a lost card belonged to (erased with them). */
      studentId?: string | null;
      details: Record<string, unknown>;
      districtWide: boolean;
      at: Date;
    },
  ): Promise<string | null> {
    const r = await c.query<{ id: string }>(
      `INSERT INTO staff_alerts (school_id, kind, day, subject, details, district_wide, opened_at, student_id)
       VALUES ($1, $2, $3::date, $4, $5::jsonb, $6, $7, $8)
       ON CONFLICT (school_id, subject, day) WHERE kind = 'lost_card' DO NOTHING
       RETURNING id`,
      [
        a.schoolId,
        a.kind,
        a.day,
        a.subject,
        JSON.stringify(a.details),
        a.districtWide,
        a.at.toISOString(),
        a.studentId ?? null,
      ],
    );
    return r.rows[0]?.id ?? null;
  }

  /**
   * The outages an alert announces (taken from an earlier day's alert for a reminder). An earlier
   * alert left with no open outage ends silently, superseded by this one (no "back online").
   */
  async attachOutages(c: SqlClient, alertId: string, outageIds: string[], at: Date): Promise<void> {
    const previous = (
      await c.query<{ alert_id: string }>(
        `SELECT DISTINCT alert_id FROM device_outages WHERE id = ANY($1::bigint[]) AND alert_id IS NOT NULL`,
        [outageIds],
      )
    ).rows.map((r) => r.alert_id);
    await c.query(`UPDATE device_outages SET alert_id = $1 WHERE id = ANY($2::bigint[])`, [
      alertId,
      outageIds,
    ]);
    if (previous.length)
      await c.query(
        `UPDATE staff_alerts a SET resolved_at = $3, superseded_by = $1
          WHERE a.id = ANY($2::uuid[]) AND a.resolved_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM device_outages o WHERE o.alert_id = a.id AND o.ended_at IS NULL)`,
        [alertId, previous, at.toISOString()],
      );
  }

  async resolve(c: SqlClient, alertId: string, at: Date): Promise<void> {
    await c.query(`UPDATE staff_alerts SET resolved_at = $2 WHERE id = $1 AND resolved_at IS NULL`, [
      alertId,
      at.toISOString(),
    ]);
  }

  /** The alert's message of `event` (once per alert and event); the outbox trigger wakes the workers. */
  async addMessage(
    c: SqlClient,
    m: {
      alertId: string;
      schoolId: string;
      day: string;
      event: StaffEvent;
      at: Date;
      params: Record<string, unknown>;
    },
  ): Promise<number> {
    const r = await c.query(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, tap_id, event, event_at, params, staff_alert_id)
       VALUES (NULL, $1, $2::date, NULL, NULL, $3, $4, $5::jsonb, $6)
       ON CONFLICT (staff_alert_id, event) WHERE staff_alert_id IS NOT NULL AND resend_of IS NULL DO NOTHING`,
      [m.schoolId, m.day, m.event, m.at.toISOString(), JSON.stringify(m.params), m.alertId],
    );
    return r.rowCount ?? 0;
  }
}
