import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff alerts (#13, `server/src/notifications/staff-alerts.ts`):
 * - `device_outages`: the history of each gateway's and terminal's outages (`terminal = ''` is the
 *   gateway itself), opened and closed by the status messages in the status transaction, dated by
 *   the injected clock. At most one open outage per device.
 * - `staff_alerts`: one alert to a school's staff, grouping the outages it announced
 *   (`devices_offline`, resolved when the last of them ends) or one lost card used at the gate
 *   (`lost_card`, once per card and school-local day).
 * - The outbox carries the alert's messages (`devices_offline`, `devices_online`, `lost_card`):
 *   `student_id` may be NULL for them, `staff_alert_id` names the alert, and each alert's event is
 *   due once. An outage still open on a later school day is announced again in that day's
 *   window (a reminder): its earlier alert is then `superseded_by` the new one. A lost card's alert names its student (`student_id`): erasing the student erases it.
 */
export class StaffAlerts1765100000000 implements MigrationInterface {
  name = 'StaffAlerts1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE staff_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('devices_offline','lost_card')),
  day date NOT NULL,
  subject text,
  -- A lost card's student: the alert (and its messages) go with the student's erasure.
  student_id uuid REFERENCES students(id) ON DELETE CASCADE,
  details jsonb NOT NULL DEFAULT '{}',
  district_wide boolean NOT NULL DEFAULT false,
  opened_at timestamptz NOT NULL,
  resolved_at timestamptz,
  -- An alert whose outages were announced again on a later school day (a reminder) ends silently.
  superseded_by uuid REFERENCES staff_alerts(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX staff_alerts_lost_card_once ON staff_alerts (school_id, subject, day) WHERE kind = 'lost_card';
CREATE INDEX staff_alerts_open_idx ON staff_alerts (school_id, opened_at DESC) WHERE kind = 'devices_offline' AND resolved_at IS NULL;
CREATE INDEX staff_alerts_school_day_idx ON staff_alerts (school_id, day);

CREATE TABLE device_outages (
  id bigserial PRIMARY KEY,
  school_id uuid NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
  gateway_id text NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
  terminal text NOT NULL DEFAULT '',
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  alert_id uuid REFERENCES staff_alerts(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX device_outages_open ON device_outages (gateway_id, terminal) WHERE ended_at IS NULL;
CREATE INDEX device_outages_unalerted_idx ON device_outages (started_at) WHERE alert_id IS NULL AND ended_at IS NULL;
CREATE INDEX device_outages_alert_idx ON device_outages (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX device_outages_school_idx ON device_outages (school_id, started_at);

ALTER TABLE notification_outbox
  ALTER COLUMN student_id DROP NOT NULL,
  ADD COLUMN staff_alert_id uuid REFERENCES staff_alerts(id) ON DELETE CASCADE,
  ADD CONSTRAINT notification_outbox_subject_check CHECK (student_id IS NOT NULL OR staff_alert_id IS NOT NULL);
CREATE UNIQUE INDEX notification_outbox_staff_once ON notification_outbox (staff_alert_id, event)
  WHERE staff_alert_id IS NOT NULL AND resend_of IS NULL;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DELETE FROM notification_outbox WHERE student_id IS NULL;
DROP INDEX notification_outbox_staff_once;
ALTER TABLE notification_outbox
  DROP CONSTRAINT notification_outbox_subject_check,
  DROP COLUMN staff_alert_id,
  ALTER COLUMN student_id SET NOT NULL;
DROP TABLE device_outages;
DROP TABLE staff_alerts;
`);
  }
}
