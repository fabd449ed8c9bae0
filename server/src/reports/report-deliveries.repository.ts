/**
 * SQL of `report_deliveries` (migration 1765600000000): the rows are written in the submission's
 * transaction (`enqueue`), claimed by any number of worker replicas at once (row locks that skip
 * locked rows, plus a lease in the row), and finished only by the worker that holds the lease.
 */
import { Injectable } from '@nestjs/common';
import type { SchoolDailyReport } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import type { ReportSubmission } from './report-delivery.js';

export type DeliveryTarget = 'webhook' | 'email';
export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export interface NewDelivery {
  target: DeliveryTarget;
  address: string;
  /** The day as the revision has it, for the e-mail's XLSX (webhooks send only `payload`). */
  report: SchoolDailyReport | null;
}

export interface ClaimedDelivery {
  id: string;
  school_id: string;
  date: string;
  revision: number;
  district_id: string;
  target: DeliveryTarget;
  address: string;
  payload: ReportSubmission;
  report: SchoolDailyReport | null;
  /** Including the attempt just claimed. */
  attempts: number;
}

export interface DeliveryRow {
  id: string;
  school_id: string;
  school_name: string;
  date: string;
  revision: number;
  target: DeliveryTarget;
  address: string;
  event: ReportSubmission['event'];
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

/** Wakes the workers of every replica when a delivery is written (sent on commit). */
export const DELIVERY_CHANNEL = 'report_delivery_due';

@Injectable()
export class ReportDeliveriesRepository {
  constructor(private readonly db: Database) {}

  /** The district's configured targets for a school (read in the submission's transaction). */
  async targets(
    c: SqlClient,
    schoolId: string,
  ): Promise<{ district_id: string; webhook_url: string | null; email: string | null } | null> {
    const r = await c.query<{ district_id: string; webhook_url: string | null; email: string | null }>(
      `SELECT d.id AS district_id, CASE WHEN d.report_webhook_secret IS NOT NULL THEN d.report_webhook_url END AS webhook_url,
              d.report_email AS email
         FROM schools s JOIN districts d ON d.id = s.district_id WHERE s.id = $1`,
      [schoolId],
    );
    return r.rows[0] ?? null;
  }

  /** One row per target for the revision (a repeat of the same revision and target is a no-op). */
  async enqueue(c: SqlClient, s: ReportSubmission, now: Date, targets: NewDelivery[]): Promise<number> {
    if (!targets.length) return 0;
    const r = await c.query(
      `INSERT INTO report_deliveries (school_id, date, revision, district_id, target, address, event, payload, report, next_attempt_at, created_at)
       SELECT $1, $2::date, $3, $4, t.target, t.address, $5, $6, t.report, $7, $7
         FROM jsonb_to_recordset($8::jsonb) AS t(target text, address text, report jsonb)
       ON CONFLICT (school_id, date, revision, target) DO NOTHING`,
      [
        s.schoolId,
        s.date,
        s.revision,
        s.districtId,
        s.event,
        JSON.stringify(s),
        now.toISOString(),
        JSON.stringify(targets),
      ],
    );
    await c.query(`SELECT pg_notify('${DELIVERY_CHANNEL}', '')`);
    return r.rowCount ?? 0;
  }

  /** Claims up to `limit` due rows for `workerId` until `now + leaseMs`; each claim is an attempt. */
  async claim(workerId: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.db.query<ClaimedDelivery & Record<string, unknown>>(
      `UPDATE report_deliveries d
          SET locked_by = $1, locked_until = $2::timestamptz + make_interval(secs => $3::double precision / 1000),
              attempts = d.attempts + 1
        WHERE d.id IN (
          SELECT id FROM report_deliveries
           WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until <= $2)
           ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.school_id, d.date::text AS date, d.revision, d.district_id, d.target, d.address, d.payload, d.report, d.attempts`,
      [workerId, now.toISOString(), leaseMs, limit],
    );
  }

  /** The district's webhook secret as configured now (never copied into the rows). */
  async webhookSecret(districtId: string): Promise<string | null> {
    const [r] = await this.db.query<{ secret: string | null }>(
      'SELECT report_webhook_secret AS secret FROM districts WHERE id = $1',
      [districtId],
    );
    return r?.secret ?? null;
  }

  /** Records an attempt's outcome; a no-op (false) when the lease has passed to another worker. */
  async finish(
    id: string,
    workerId: string,
    o: {
      status: DeliveryStatus;
      at: Date;
      error: string | null;
      httpStatus: number | null;
      nextAt: Date | null;
    },
  ): Promise<boolean> {
    const r = await this.db.query<{ id: string }>(
      `UPDATE report_deliveries
          SET status = $3, last_error = $4, last_status = $5, next_attempt_at = COALESCE($6::timestamptz, next_attempt_at),
              sent_at = CASE WHEN $3 = 'sent' THEN $7::timestamptz END,
              failed_at = CASE WHEN $3 = 'failed' THEN $7::timestamptz END,
              locked_by = NULL, locked_until = NULL
        WHERE id = $1 AND locked_by = $2 AND status = 'pending'
        RETURNING id`,
      [id, workerId, o.status, o.error, o.httpStatus, o.nextAt?.toISOString() ?? null, o.at.toISOString()],
    );
    return r.length > 0;
  }

  /** Every delivery of the district's schools for the day, by school, revision and target. */
  async forDistrictDay(districtId: string, date: string): Promise<DeliveryRow[]> {
    return this.db.query<DeliveryRow & Record<string, unknown>>(
      `SELECT d.id, d.school_id, s.name AS school_name, d.date::text AS date, d.revision, d.target, d.address, d.event, d.status,
              d.attempts, d.last_error, d.last_status, d.next_attempt_at, d.created_at, d.sent_at, d.failed_at
         FROM report_deliveries d JOIN schools s ON s.id = d.school_id
        WHERE d.district_id = $1 AND d.date = $2::date
        ORDER BY s.code, d.revision, d.target`,
      [districtId, date],
    );
  }

  /** Per school of the district: the deliveries of its latest delivered revision of the day. */
  async latestForDistrictDay(districtId: string, date: string): Promise<DeliveryRow[]> {
    return this.db.query<DeliveryRow & Record<string, unknown>>(
      `SELECT d.id, d.school_id, '' AS school_name, d.date::text AS date, d.revision, d.target, d.address, d.event, d.status,
              d.attempts, d.last_error, d.last_status, d.next_attempt_at, d.created_at, d.sent_at, d.failed_at
         FROM report_deliveries d
        WHERE d.district_id = $1 AND d.date = $2::date
          AND d.revision = (SELECT max(x.revision) FROM report_deliveries x WHERE x.school_id = d.school_id AND x.date = d.date)
        ORDER BY d.school_id, d.target`,
      [districtId, date],
    );
  }
}
