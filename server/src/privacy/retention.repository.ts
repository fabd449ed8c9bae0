import { Injectable } from '@nestjs/common';
import { Database } from '../db/database.service.js';

/** What one retention run removed, per table. */
export interface RetentionResult {
  taps: number;
  notifications: number;
  audit: number;
  deadLetters: number;
  sessions: number;
  throttleCounters: number;
}

/** The SQL of the retention job: deletes by age, each table on its own time column. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly db: Database) {}

  async deleteTapsBefore(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM taps WHERE at < $1 RETURNING 1', [cutoff])).length;
  }

  /**
   * Notifications still pending are kept whatever their age (the worker decides their fate). With
   * them go the staff alerts of the same age that are over (resolved, or a lost card's) and have
   * nothing pending, and device outages that ended before the cut-off.
   */
  async deleteNotificationsBefore(cutoff: Date): Promise<number> {
    const n = (
      await this.db.query(
        `DELETE FROM notification_outbox WHERE created_at < $1 AND status <> 'pending' RETURNING 1`,
        [cutoff],
      )
    ).length;
    await this.db.query(
      `DELETE FROM staff_alerts a WHERE a.opened_at < $1 AND (a.kind = 'lost_card' OR a.resolved_at < $1)
          AND NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.staff_alert_id = a.id AND o.status = 'pending')`,
      [cutoff],
    );
    await this.db.query('DELETE FROM device_outages WHERE ended_at < $1', [cutoff]);
    return n;
  }

  async deleteDeadLettersBefore(cutoff: Date): Promise<number> {
    return (await this.db.query('DELETE FROM dead_letters WHERE received_at < $1 RETURNING 1', [cutoff]))
      .length;
  }

  /** Sessions ended (revoked or expired) before `cutoff`, with their refresh-token hashes. */
  async deleteSessionsEndedBefore(cutoff: Date): Promise<number> {
    return (
      await this.db.query(
        'DELETE FROM user_sessions WHERE COALESCE(revoked_at, expires_at) < $1 RETURNING 1',
        [cutoff],
      )
    ).length;
  }

  async deleteThrottleCountersBefore(now: Date): Promise<number> {
    return (
      await this.db.query(
        'DELETE FROM throttle_counters WHERE window_ends_at <= $1 AND (blocked_until IS NULL OR blocked_until <= $1) RETURNING 1',
        [now],
      )
    ).length;
  }

  /** The audit trigger lets only this transaction delete, and only entries older than a year. */
  async deleteAuditBefore(cutoff: Date): Promise<number> {
    return this.db.transaction(async (c) => {
      await c.query(`SET LOCAL rfid.audit_expiry = 'on'`);
      return (await c.query('DELETE FROM audit_log WHERE at < $1 RETURNING 1', [cutoff])).rowCount ?? 0;
    });
  }
}
