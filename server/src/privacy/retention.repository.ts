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

  /** Notifications still pending are kept whatever their age (the worker decides their fate). */
  async deleteNotificationsBefore(cutoff: Date): Promise<number> {
    return (
      await this.db.query(
        `DELETE FROM notification_outbox WHERE created_at < $1 AND status <> 'pending' RETURNING 1`,
        [cutoff],
      )
    ).length;
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
