import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification outbox becomes the record of one message per guardian and event (not per
 * channel), drained by the notification worker (`server/src/notifications/`):
 * - `status` gains `delivered` and `skipped`; `channel` is the channel in use (or that delivered),
 *   chosen by the worker from the guardian's preference list, `channels_tried` the ones that failed
 *   for this guardian (fallback); `next_attempt_at` (NULL = due now), a lease (`locked_by`,
 *   `locked_until`), `delivered_at`, `provider_message_id`; `event_at` (the tap's time, for
 *   staleness) and `params` (template fields) recorded by the writers, which no longer build text:
 *   `text` is what the worker rendered and sent.
 * - The once-a-day key is (student, day, event, guardian); a resend by a school user is a new row
 *   pointing at the one it repeats (`resend_of`), outside that key.
 * - Existing rows: one kept per student/day/event/guardian (sent over pending over failed), the
 *   channels of its siblings that failed recorded as tried; their rendered text stays.
 * - `notification_due` is notified once per inserting statement, so workers wake within a second
 *   without per-row work in the ingest transaction.
 * - Consent (append-only records: who, when, how; the latest per guardian and channel counts),
 *   per-event opt-out on guardians, and schools' webhooks.
 */
export class NotificationOutbox1764100000000 implements MigrationInterface {
  name = 'NotificationOutbox1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE notification_outbox
  DROP CONSTRAINT IF EXISTS notification_outbox_status_check,
  ALTER COLUMN channel DROP NOT NULL,
  ALTER COLUMN text DROP NOT NULL,
  ADD COLUMN school_id uuid,
  ADD COLUMN channels_tried text[] NOT NULL DEFAULT '{}',
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN locked_by text,
  ADD COLUMN locked_until timestamptz,
  ADD COLUMN delivered_at timestamptz,
  ADD COLUMN provider_message_id text,
  ADD COLUMN event_at timestamptz,
  ADD COLUMN params jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN resend_of uuid REFERENCES notification_outbox(id) ON DELETE SET NULL,
  ADD COLUMN resent_by uuid;

-- Existing rows: the school and the event's time.
UPDATE notification_outbox o SET school_id = s.school_id FROM students s WHERE s.id = o.student_id;
UPDATE notification_outbox o SET event_at = t.at FROM taps t WHERE t.id = o.tap_id;
UPDATE notification_outbox SET event_at = created_at WHERE event_at IS NULL;

-- One row per student/day/event/guardian: the best of the per-channel rows stays.
WITH ranked AS (
  SELECT id, channel, status,
         first_value(id) OVER w AS keep,
         row_number() OVER w AS n
    FROM notification_outbox
  WINDOW w AS (PARTITION BY student_id, COALESCE(day::text, tap_id::text, id::text), event, guardian_id
               ORDER BY CASE status WHEN 'sent' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, created_at, channel)
), tried AS (
  SELECT keep, array_agg(DISTINCT channel) FILTER (WHERE status = 'failed') AS failed FROM ranked GROUP BY keep
)
UPDATE notification_outbox o SET channels_tried = COALESCE(t.failed, '{}') FROM tried t WHERE o.id = t.keep;
WITH ranked AS (
  SELECT id, row_number() OVER (PARTITION BY student_id, COALESCE(day::text, tap_id::text, id::text), event, guardian_id
                                ORDER BY CASE status WHEN 'sent' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, created_at, channel) AS n
    FROM notification_outbox
)
DELETE FROM notification_outbox o USING ranked r WHERE o.id = r.id AND r.n > 1;
-- A pending row's channel is the worker's choice now.
UPDATE notification_outbox SET channel = NULL, text = NULL WHERE status = 'pending';

ALTER TABLE notification_outbox
  ALTER COLUMN school_id SET NOT NULL,
  ALTER COLUMN event_at SET NOT NULL,
  ADD CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending','sent','delivered','failed','skipped')),
  ADD CONSTRAINT notification_outbox_channel_check CHECK (channel IS NULL OR channel IN ('zalo','sms','email','push','webhook','in_app'));
DROP INDEX notification_outbox_once;
CREATE UNIQUE INDEX notification_outbox_once ON notification_outbox (student_id, day, event, guardian_id) WHERE resend_of IS NULL;
CREATE INDEX notification_outbox_student_idx ON notification_outbox (student_id, created_at DESC, id DESC);
CREATE INDEX notification_outbox_school_day_idx ON notification_outbox (school_id, day);
DROP INDEX notification_outbox_pending_idx;
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at NULLS FIRST) WHERE status = 'pending';
CREATE INDEX notification_outbox_sent_idx ON notification_outbox (provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE FUNCTION notification_due_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('notification_due', '');
  RETURN NULL;
END
$fn$;
CREATE TRIGGER notification_outbox_due AFTER INSERT ON notification_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION notification_due_notify();

-- Consent: append-only; the latest record of a guardian and channel is in force.
CREATE TABLE notification_consents (
  id bigserial PRIMARY KEY,
  guardian_id uuid NOT NULL REFERENCES guardians(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('zalo','sms','email','push','webhook','in_app')),
  granted boolean NOT NULL,
  at timestamptz NOT NULL,
  recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
  method text NOT NULL CHECK (method IN ('paper_form','in_person','phone_call','parent_app','import','seed')),
  note text
);
CREATE INDEX notification_consents_guardian_idx ON notification_consents (guardian_id, channel, at DESC, id DESC);

ALTER TABLE guardians ADD COLUMN opted_out_events text[] NOT NULL DEFAULT '{}';

CREATE TABLE school_webhooks (
  school_id uuid PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
  url text NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL,
  created_by uuid REFERENCES users(id) ON DELETE SET NULL
);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE school_webhooks;
ALTER TABLE guardians DROP COLUMN opted_out_events;
DROP TABLE notification_consents;
DROP TRIGGER notification_outbox_due ON notification_outbox;
DROP FUNCTION notification_due_notify();
DROP INDEX notification_outbox_sent_idx;
DROP INDEX notification_outbox_due_idx;
DROP INDEX notification_outbox_school_day_idx;
DROP INDEX notification_outbox_student_idx;
DROP INDEX notification_outbox_once;
DELETE FROM notification_outbox WHERE resend_of IS NOT NULL;
UPDATE notification_outbox SET status = CASE WHEN status = 'delivered' THEN 'sent' WHEN status = 'skipped' THEN 'failed' ELSE status END;
UPDATE notification_outbox SET channel = 'sms' WHERE channel IS NULL OR channel NOT IN ('sms','zalo','email','push');
UPDATE notification_outbox SET text = '' WHERE text IS NULL;
ALTER TABLE notification_outbox
  DROP CONSTRAINT notification_outbox_channel_check,
  DROP CONSTRAINT notification_outbox_status_check,
  ADD CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending','sent','failed')),
  ALTER COLUMN channel SET NOT NULL,
  ALTER COLUMN text SET NOT NULL,
  DROP COLUMN resent_by,
  DROP COLUMN resend_of,
  DROP COLUMN params,
  DROP COLUMN event_at,
  DROP COLUMN provider_message_id,
  DROP COLUMN delivered_at,
  DROP COLUMN locked_until,
  DROP COLUMN locked_by,
  DROP COLUMN next_attempt_at,
  DROP COLUMN channels_tried,
  DROP COLUMN school_id;
CREATE UNIQUE INDEX notification_outbox_once ON notification_outbox (student_id, day, event, guardian_id, channel);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at) WHERE status = 'pending';
`);
  }
}
