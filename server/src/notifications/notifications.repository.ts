/**
 * Every write of the notifications module (outbox claims and outcomes, delivery reports, consent,
 * preferences, webhooks, resends). Reads that only serve one caller live beside it.
 */
import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { Database, type SqlClient } from '../db/database.service.js';
import type { ChannelName } from './channels/channel.js';
import type { ConsentMethod } from './consent.js';

/** A claimed outbox row, as the worker needs it. */
export interface ClaimedRow {
  id: string;
  /** NULL for a staff alert's message (`staff_alert_id`). */
  student_id: string | null;
  school_id: string;
  guardian_id: string | null;
  day: string | null;
  event: string;
  event_at: Date;
  created_at: Date;
  attempts: number;
  channel: ChannelName | null;
  channels_tried: ChannelName[];
  params: Record<string, unknown>;
  resend_of: string | null;
  staff_alert_id: string | null;
}

/** What became of one claimed row. */
export interface Outcome {
  id: string;
  status: 'pending' | 'sent' | 'delivered' | 'failed' | 'skipped';
  channel: ChannelName | null;
  /** A channel that failed for this guardian: appended to `channels_tried`. */
  tried: ChannelName | null;
  /** 1 when a provider was called. */
  attempted: boolean;
  nextAttemptAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  error: string | null;
  providerMessageId: string | null;
  text: string | null;
}

const CLAIMED_COLUMNS = `o.id, o.student_id, o.school_id, o.guardian_id, o.day::text AS day, o.event, o.event_at, o.created_at, o.attempts,
  o.channel, o.channels_tried, o.params, o.resend_of, o.staff_alert_id`;

@Injectable()
export class NotificationsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Claim up to `limit` due messages for `worker` until `now + leaseMs`: rows another worker holds
   * (row lock or unexpired lease) are skipped, so any number of replicas drain one outbox.
   */
  async claim(worker: string, now: Date, leaseMs: number, limit: number): Promise<ClaimedRow[]> {
    const r = await this.db.pool.query<ClaimedRow>(
      `UPDATE notification_outbox o SET locked_by = $1, locked_until = $2::timestamptz + make_interval(secs => $3::double precision / 1000)
        WHERE o.id IN (
          SELECT id FROM notification_outbox
           WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
             AND (locked_until IS NULL OR locked_until < $2)
           ORDER BY next_attempt_at NULLS FIRST
           LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING ${CLAIMED_COLUMNS}`,
      [worker, now.toISOString(), leaseMs, limit],
    );
    return r.rows;
  }

  /** Record outcomes of rows this worker still holds (a lease lost to another worker writes nothing). */
  async finish(worker: string, outcomes: Outcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const col = <K extends keyof Outcome>(k: K) => outcomes.map((o) => o[k]);
    const iso = (k: 'nextAttemptAt' | 'sentAt' | 'deliveredAt') =>
      outcomes.map((o) => o[k]?.toISOString() ?? null);
    const r = await this.db.pool.query(
      `UPDATE notification_outbox o SET
          status = u.status,
          channel = COALESCE(u.channel, o.channel),
          channels_tried = CASE WHEN u.tried IS NULL OR u.tried = ANY(o.channels_tried) THEN o.channels_tried ELSE array_append(o.channels_tried, u.tried) END,
          attempts = o.attempts + CASE WHEN u.attempted THEN 1 ELSE 0 END,
          next_attempt_at = u.next_at,
          sent_at = COALESCE(u.sent_at, o.sent_at),
          delivered_at = COALESCE(u.delivered_at, o.delivered_at),
          last_error = u.err,
          provider_message_id = COALESCE(u.pmid, o.provider_message_id),
          text = COALESCE(u.text, o.text),
          locked_by = NULL, locked_until = NULL
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::text[])
              AS u(id, status, channel, tried, attempted, next_at, sent_at, delivered_at, err, pmid, text)
        WHERE o.id = u.id AND o.locked_by = $1 AND o.status = 'pending'`,
      [
        worker,
        col('id'),
        col('status'),
        col('channel'),
        col('tried'),
        col('attempted'),
        iso('nextAttemptAt'),
        iso('sentAt'),
        iso('deliveredAt'),
        col('error'),
        col('providerMessageId'),
        col('text'),
      ],
    );
    return r.rowCount ?? 0;
  }

  /** Give claimed rows back (shutdown): due again at once for any worker. */
  async release(worker: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.pool.query(
      `UPDATE notification_outbox SET locked_by = NULL, locked_until = NULL WHERE id = ANY($2::uuid[]) AND locked_by = $1`,
      [worker, ids],
    );
  }

  /**
   * A provider's delivery report: `sent` (or still `pending` when the report outran our own
   * update) becomes `delivered` or `failed`; a report about a message that is not ours, of another
   * channel, or naming another provider message id than the one the provider gave us changes
   * nothing. Returns the ids changed.
   */
  async recordReport(
    channel: ChannelName,
    notificationId: string,
    status: 'delivered' | 'failed',
    at: Date,
    error: string | null,
    providerMessageId: string | null = null,
  ): Promise<string[]> {
    const r = await this.db.pool.query<{ id: string }>(
      `UPDATE notification_outbox SET status = $3, delivered_at = CASE WHEN $3 = 'delivered' THEN $4::timestamptz ELSE delivered_at END,
              sent_at = COALESCE(sent_at, $4::timestamptz), channel = COALESCE(channel, $2),
              last_error = CASE WHEN $3 = 'failed' THEN COALESCE($5, 'provider_reported_failure') ELSE last_error END,
              locked_by = NULL, locked_until = NULL
        WHERE id = $1::uuid AND (channel IS NULL OR channel = $2) AND status IN ('pending','sent')
          AND ($6::text IS NULL OR provider_message_id IS NULL OR provider_message_id = $6)
        RETURNING id`,
      [notificationId, channel, status, at.toISOString(), error, providerMessageId],
    );
    return r.rows.map((x) => x.id);
  }

  async addConsents(
    c: SqlClient,
    rows: {
      guardianId: string;
      channel: ChannelName;
      granted: boolean;
      at: Date;
      recordedBy: string | null;
      method: ConsentMethod;
      note: string | null;
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await c.query(
      `INSERT INTO notification_consents (guardian_id, channel, granted, at, recorded_by, method, note)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::timestamptz[], $5::uuid[], $6::text[], $7::text[])`,
      [
        rows.map((r) => r.guardianId),
        rows.map((r) => r.channel),
        rows.map((r) => r.granted),
        rows.map((r) => r.at.toISOString()),
        rows.map((r) => r.recordedBy),
        rows.map((r) => r.method),
        rows.map((r) => r.note),
      ],
    );
  }

  /** The same consent for every guardian of a school's students (a school's collected forms). Returns the guardians. */
  async addSchoolConsents(
    c: SqlClient,
    schoolId: string,
    channels: ChannelName[],
    granted: boolean,
    at: Date,
    recordedBy: string | null,
    method: ConsentMethod,
    note: string | null,
  ): Promise<number> {
    const r = await c.query(
      `INSERT INTO notification_consents (guardian_id, channel, granted, at, recorded_by, method, note)
       SELECT g.guardian_id, ch, $3, $4, $5, $6, $7
         FROM (SELECT DISTINCT sg.guardian_id FROM student_guardians sg JOIN students s ON s.id = sg.student_id WHERE s.school_id = $1) g
         CROSS JOIN unnest($2::text[]) AS ch`,
      [schoolId, channels, granted, at.toISOString(), recordedBy, method, note],
    );
    return Math.round((r.rowCount ?? 0) / Math.max(1, channels.length));
  }

  async setPreferences(
    c: SqlClient,
    guardianId: string,
    patch: { channels?: ChannelName[]; optedOutEvents?: string[] },
  ): Promise<void> {
    if (patch.channels)
      await c.query('UPDATE guardians SET channels = $2 WHERE id = $1', [guardianId, patch.channels]);
    if (patch.optedOutEvents)
      await c.query('UPDATE guardians SET opted_out_events = $2 WHERE id = $1', [
        guardianId,
        patch.optedOutEvents,
      ]);
  }

  async upsertWebhook(
    c: SqlClient,
    schoolId: string,
    url: string,
    secret: string,
    at: Date,
    by: string | null,
  ): Promise<void> {
    await c.query(
      `INSERT INTO school_webhooks (school_id, url, secret, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (school_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, created_by = EXCLUDED.created_by`,
      [schoolId, url, secret, at.toISOString(), by],
    );
  }

  async deleteWebhook(c: SqlClient, schoolId: string): Promise<boolean> {
    const r = await c.query('DELETE FROM school_webhooks WHERE school_id = $1', [schoolId]);
    return (r.rowCount ?? 0) > 0;
  }

  /** A new message repeating `of` (same student, guardian, event), due now; outside the once-a-day key. */
  async insertResend(c: pg.PoolClient, of: string, by: string): Promise<string | null> {
    const r = await c.query<{ id: string }>(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, tap_id, event, event_at, params, resend_of, resent_by)
       SELECT student_id, school_id, day, guardian_id, tap_id, event, event_at, params, id, $2 FROM notification_outbox WHERE id = $1
       RETURNING id`,
      [of, by],
    );
    return r.rows[0]?.id ?? null;
  }
}
