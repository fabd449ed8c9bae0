/**
 * SQL of the ingest hot path. One call of `commitBatch` is one transaction: taps (multi-row
 * INSERT … ON CONFLICT (id) DO NOTHING via unnest), attendance days (one upsert), notification
 * outbox rows and dead letters — so an ack can only follow what is durably committed.
 */
import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { AttendanceStatus } from '@rfid/protocol';
import { Database } from '../db/database.service.js';
import { OUTBOX_EVENT_COLUMNS, OUTBOX_ONCE_A_DAY_SQL } from '../db/notification-outbox.sql.js';
import type { DeadLetterInput } from './tap-message.js';

export interface TapInsert {
  id: string;
  at: string;
  schoolId: string;
  gatewayId: string;
  terminal: string;
  card: string;
  raw: string;
  seq: number;
  direction: 'in' | 'out' | null;
  cardId: string | null;
  studentId: string | null;
  localDate: string;
}

export interface AttendanceInput {
  studentId: string;
  date: string;
  schoolId: string;
  classId: string;
  status: AttendanceStatus;
  firstIn: string | null;
  firstInTapId: string | null;
  lastOut: string | null;
  lastOutTapId: string | null;
}

export interface AttendanceResult {
  student_id: string;
  date: string;
  school_id: string;
  class_id: string;
  status: AttendanceStatus;
  first_in: Date | null;
  first_in_tap_id: string | null;
  last_out: Date | null;
  last_out_tap_id: string | null;
  prev_first_in: Date | null;
  prev_last_out: Date | null;
}

export interface OutboxInput {
  studentId: string;
  schoolId: string;
  /** The school-local day the event is about: one event of a kind per day and guardian. */
  date: string;
  tapId: string;
  event: 'check_in' | 'check_out';
  /** The tap's time (ISO): the message's time, and what staleness is measured from. */
  at: string;
  /** A late arrival (the template says so). */
  late: boolean;
}

@Injectable()
export class TapsRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Inserts the taps not stored yet; returns the ids that are new. */
  async insertTaps(c: pg.PoolClient, taps: TapInsert[]): Promise<Set<string>> {
    if (taps.length === 0) return new Set();
    const sorted = [...taps].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)); // one lock order for all writers
    const col = <K extends keyof TapInsert>(k: K) => sorted.map((t) => t[k]);
    const r = await c.query<{ id: string }>(
      `INSERT INTO taps (id, at, school_id, gateway_id, terminal, card, raw, seq, direction, card_id, student_id, local_date)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::bigint[], $9::text[], $10::uuid[], $11::uuid[], $12::date[])
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [
        col('id'),
        col('at'),
        col('schoolId'),
        col('gatewayId'),
        col('terminal'),
        col('card'),
        col('raw'),
        col('seq'),
        col('direction'),
        col('cardId'),
        col('studentId'),
        col('localDate'),
      ],
    );
    return new Set(r.rows.map((x) => x.id));
  }

  /**
   * Upsert attendance days: the earliest IN and the latest OUT win; the status follows the
   * earliest IN unless a person set it (`source = 'manual'`). A day the input does not change is
   * not written. Returns the rows inserted or changed, each with its values from before the
   * statement (to tell a first arrival from a later one).
   */
  async upsertAttendance(c: pg.PoolClient, rows: AttendanceInput[]): Promise<AttendanceResult[]> {
    if (rows.length === 0) return [];
    const sorted = [...rows].sort((a, b) => (a.studentId + a.date < b.studentId + b.date ? -1 : 1));
    const col = <K extends keyof AttendanceInput>(k: K) => sorted.map((t) => t[k]);
    // No lock: a concurrent batch's insert of the same day makes ON CONFLICT wait for its COMMIT
    // and update the committed row (LEAST/GREATEST, so the order does not matter). `prev` is this
    // statement's snapshot: a first arrival both batches take for theirs is told once, by the
    // outbox's unique day key. Rows go in one order (no deadlock between batches).
    const r = await c.query<AttendanceResult>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::uuid[],
                              $8::timestamptz[], $9::uuid[])
           AS t(student_id, date, school_id, class_id, status, first_in, first_in_tap_id, last_out, last_out_tap_id)
       ), prev AS (
         SELECT a.student_id, a.date, a.first_in, a.last_out FROM attendance_days a JOIN input i USING (student_id, date)
       ), up AS (
         INSERT INTO attendance_days AS a (student_id, date, school_id, class_id, status, first_in, first_in_tap_id, last_out, last_out_tap_id, updated_at)
         SELECT student_id, date, school_id, class_id, status, first_in, first_in_tap_id, last_out, last_out_tap_id, now() FROM input
         ON CONFLICT (student_id, date) DO UPDATE SET
           status = CASE WHEN a.source = 'manual' THEN a.status
                         WHEN EXCLUDED.first_in IS NOT NULL AND (a.first_in IS NULL OR EXCLUDED.first_in < a.first_in) THEN EXCLUDED.status
                         ELSE a.status END,
           first_in_tap_id = CASE WHEN EXCLUDED.first_in IS NOT NULL AND (a.first_in IS NULL OR EXCLUDED.first_in < a.first_in)
                                  THEN EXCLUDED.first_in_tap_id ELSE a.first_in_tap_id END,
           first_in = LEAST(a.first_in, EXCLUDED.first_in),
           last_out_tap_id = CASE WHEN EXCLUDED.last_out IS NOT NULL AND (a.last_out IS NULL OR EXCLUDED.last_out > a.last_out)
                                  THEN EXCLUDED.last_out_tap_id ELSE a.last_out_tap_id END,
           last_out = GREATEST(a.last_out, EXCLUDED.last_out),
           updated_at = now()
         WHERE (EXCLUDED.first_in IS NOT NULL AND (a.first_in IS NULL OR EXCLUDED.first_in < a.first_in))
            OR (EXCLUDED.last_out IS NOT NULL AND (a.last_out IS NULL OR EXCLUDED.last_out > a.last_out))
         RETURNING a.student_id, a.date, a.school_id, a.class_id, a.status, a.first_in, a.first_in_tap_id, a.last_out, a.last_out_tap_id
       )
       SELECT up.student_id, up.date::text AS date, up.school_id, up.class_id, up.status, up.first_in, up.first_in_tap_id,
              up.last_out, up.last_out_tap_id, prev.first_in AS prev_first_in, prev.last_out AS prev_last_out
         FROM up LEFT JOIN prev USING (student_id, date)`,
      [
        col('studentId'),
        col('date'),
        col('schoolId'),
        col('classId'),
        col('status'),
        col('firstIn'),
        col('firstInTapId'),
        col('lastOut'),
        col('lastOutTapId'),
      ],
    );
    return r.rows;
  }

  /**
   * One outbox row per event and guardian, unless that day's event is already there: only the
   * event is recorded (no text, no channel: the notification worker decides those).
   */
  async insertOutbox(c: pg.PoolClient, events: OutboxInput[]): Promise<number> {
    if (events.length === 0) return 0;
    const sorted = [...events].sort((a, b) =>
      a.studentId + a.date + a.event < b.studentId + b.date + b.event ? -1 : 1,
    );
    const col = <K extends keyof OutboxInput>(k: K) => sorted.map((e) => e[k]);
    const r = await c.query(
      `INSERT INTO notification_outbox (${OUTBOX_EVENT_COLUMNS})
       SELECT e.student_id, e.school_id, e.day, sg.guardian_id, e.tap_id, e.event, e.at,
              CASE WHEN e.late THEN '{"late":true}'::jsonb ELSE '{}'::jsonb END
         FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::uuid[], $5::text[], $6::timestamptz[], $7::boolean[])
              WITH ORDINALITY AS e(student_id, school_id, day, tap_id, event, at, late, n)
         JOIN student_guardians sg ON sg.student_id = e.student_id
        ORDER BY e.n, sg.guardian_id
       ${OUTBOX_ONCE_A_DAY_SQL}`,
      [col('studentId'), col('schoolId'), col('date'), col('tapId'), col('event'), col('at'), col('late')],
    );
    return r.rowCount ?? 0;
  }

  async insertDeadLetters(c: pg.PoolClient | pg.Pool, rows: DeadLetterInput[]): Promise<void> {
    if (rows.length === 0) return;
    await c.query(
      `INSERT INTO dead_letters (topic, school_id, gateway_id, code, reason, tap_id, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
      [
        rows.map((d) => d.topic),
        rows.map((d) => d.schoolId),
        rows.map((d) => d.gatewayId),
        rows.map((d) => d.code),
        rows.map((d) => d.reason),
        rows.map((d) => d.tapId),
        rows.map((d) => d.payload.replaceAll(String.fromCharCode(0), '')) /* text cannot hold NUL */,
      ],
    );
  }
}
