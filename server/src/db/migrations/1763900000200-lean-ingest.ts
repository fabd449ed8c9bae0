import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two changes for a leaner ingest path:
 * - `card_keys` bumps its school's roster_version like cards, students and classes do. Ingest keeps
 *   each school's card keys in memory and checks that version once per batch, so every change a
 *   key can see must bump it, whichever code path writes it.
 * - `attendance_days.tap_count` goes. It was the one part of a day that each tap changed, so every
 *   repeated tap rewrote the row; without it a day is the earliest IN and the latest OUT, which a
 *   redelivered or repeated tap cannot change twice, and a tap that changes nothing writes nothing.
 *   The count of a day's taps is read from `taps` where it is shown.
 * - A notification about a day (`check_in`, `check_out`, `absent`) is due at most once per
 *   guardian and channel: `notification_outbox.day` and a unique index make it so. Two batches
 *   that both take a student's tap for the day's first arrival (two gates, the same second) write
 *   one row between them, so ingest needs no lock around the attendance upsert.
 */
export class LeanIngest1763900000200 implements MigrationInterface {
  name = 'LeanIngest1763900000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TRIGGER card_keys_roster_ins AFTER INSERT ON card_keys
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_ins();
CREATE TRIGGER card_keys_roster_upd AFTER UPDATE ON card_keys
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_upd();
CREATE TRIGGER card_keys_roster_del AFTER DELETE ON card_keys
  REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_del();
ALTER TABLE attendance_days DROP COLUMN tap_count;
ALTER TABLE notification_outbox ADD COLUMN day date;
-- Rows from before have no day (NULLs never conflict). Leading with student_id, it also serves a
-- student's notifications, as the index it replaces did.
CREATE UNIQUE INDEX notification_outbox_once ON notification_outbox (student_id, day, event, guardian_id, channel);
DROP INDEX notification_outbox_student_idx;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX notification_outbox_student_idx ON notification_outbox (student_id, created_at);
DROP INDEX notification_outbox_once;
ALTER TABLE notification_outbox DROP COLUMN day;
DROP TRIGGER card_keys_roster_ins ON card_keys;
DROP TRIGGER card_keys_roster_upd ON card_keys;
DROP TRIGGER card_keys_roster_del ON card_keys;
ALTER TABLE attendance_days ADD COLUMN tap_count integer NOT NULL DEFAULT 0;
UPDATE attendance_days a SET tap_count = (SELECT count(*) FROM taps t WHERE t.student_id = a.student_id AND t.local_date = a.date);
`);
  }
}
