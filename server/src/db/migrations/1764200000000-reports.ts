import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolment history, school days and daily reports (#14).
 *
 * - `enrolments`: the periods a student belongs to a school and class, `[from_date, to_date)`.
 *   Kept by triggers on `students`, so every code path (people API, import, SQL seeds) records
 *   them: an insert opens a period, a change of school/class or of `active` closes the open one
 *   and opens the next. The day of the change is the school-local date of the instant in the
 *   transaction setting `rfid.now` (the server's injected clock, see `enrolment.repository.ts`),
 *   else of the database's clock; a student inserted without `rfid.now` (SQL seeds, old rows) is
 *   enrolled from the beginning (`-infinity`).
 * - `schools.starts_on`: the first day the school uses the system (days before are not school
 *   days); `schools.report_time`: when the day's report is made and submitted (local).
 * - `school_day(...)`: the one SQL form of "is this a school day" (weekday, holiday, start date),
 *   the twin of `isSchoolDay` in attendance-rules.ts.
 * - `daily_reports` (one row per school-day: latest revision, submission) and
 *   `daily_report_revisions` (every revision with its figures and what changed).
 *   `daily_report_dirty` is filled by statement triggers on `attendance_days` for days that have a
 *   report already, so the amend job recomputes only those.
 */
export class Reports1764200000000 implements MigrationInterface {
  name = 'Reports1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE schools
  ADD COLUMN starts_on date,
  ADD COLUMN report_time text NOT NULL DEFAULT '09:00' CHECK (report_time ~ '^[0-2][0-9]:[0-5][0-9]$');
ALTER TABLE districts
  ADD COLUMN report_webhook_url text,
  ADD COLUMN report_webhook_secret text,
  ADD COLUMN report_email text;

CREATE TABLE enrolments (
  id bigserial PRIMARY KEY,
  student_id uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  school_id uuid NOT NULL REFERENCES schools(id),
  class_id uuid NOT NULL REFERENCES classes(id),
  from_date date NOT NULL DEFAULT '-infinity',
  to_date date NOT NULL DEFAULT 'infinity',
  CHECK (from_date < to_date)
);
CREATE INDEX enrolments_school_idx ON enrolments (school_id, from_date) INCLUDE (to_date, class_id, student_id);
CREATE INDEX enrolments_student_idx ON enrolments (student_id, from_date);
CREATE UNIQUE INDEX enrolments_one_open ON enrolments (student_id) WHERE to_date = 'infinity';
INSERT INTO enrolments (student_id, school_id, class_id) SELECT id, school_id, class_id FROM students WHERE active;

-- Reports read a school's day of attendance rows by (school, date) and need only these columns.
CREATE INDEX attendance_days_report_idx ON attendance_days (school_id, date) INCLUDE (student_id, status);

CREATE FUNCTION enrolment_day(zone text, fallback date) RETURNS date LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN current_setting('rfid.now', true) > ''
              THEN (current_setting('rfid.now', true)::timestamptz AT TIME ZONE zone)::date
              ELSE fallback END
$fn$;

CREATE FUNCTION enrolments_ins() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO enrolments (student_id, school_id, class_id, from_date)
  SELECT n.id, n.school_id, n.class_id, enrolment_day(sc.time_zone, '-infinity')
    FROM changed_new n JOIN schools sc ON sc.id = n.school_id
   WHERE n.active;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION enrolments_upd() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS enrolment_changes (id uuid, school_id uuid, class_id uuid, active boolean, old_school uuid) ON COMMIT DROP;
  DELETE FROM enrolment_changes;
  INSERT INTO enrolment_changes
  SELECT n.id, n.school_id, n.class_id, n.active, o.school_id
    FROM changed_new n JOIN changed_old o ON o.id = n.id
   WHERE (n.school_id, n.class_id, n.active) IS DISTINCT FROM (o.school_id, o.class_id, o.active);
  -- Close the open period on the day of the change (that day belongs to the next period).
  UPDATE enrolments e SET to_date = enrolment_day(sc.time_zone, (now() AT TIME ZONE sc.time_zone)::date)
    FROM enrolment_changes ch JOIN schools sc ON sc.id = ch.old_school
   WHERE e.student_id = ch.id AND e.to_date = 'infinity' AND e.from_date < enrolment_day(sc.time_zone, (now() AT TIME ZONE sc.time_zone)::date);
  -- A period opened the same day is replaced, not kept empty.
  DELETE FROM enrolments e USING enrolment_changes ch WHERE e.student_id = ch.id AND e.to_date = 'infinity';
  INSERT INTO enrolments (student_id, school_id, class_id, from_date)
  SELECT ch.id, ch.school_id, ch.class_id, enrolment_day(sc.time_zone, (now() AT TIME ZONE sc.time_zone)::date)
    FROM enrolment_changes ch JOIN schools sc ON sc.id = ch.school_id
   WHERE ch.active;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER students_enrolment_ins AFTER INSERT ON students
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION enrolments_ins();
CREATE TRIGGER students_enrolment_upd AFTER UPDATE ON students
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION enrolments_upd();

-- Is d a school day of a school with these rules? (weekday, holidays, first day)
CREATE FUNCTION school_day(school_days smallint[], holidays date[], starts_on date, d date) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT extract(isodow FROM d)::smallint = ANY(school_days) AND NOT (d = ANY(holidays)) AND (starts_on IS NULL OR d >= starts_on)
$fn$;

CREATE TABLE daily_reports (
  school_id uuid NOT NULL REFERENCES schools(id),
  date date NOT NULL,
  revision integer NOT NULL,
  made_at timestamptz NOT NULL,
  submitted_at timestamptz,
  submitted_by text,
  submitted_revision integer,
  amended_at timestamptz,
  PRIMARY KEY (school_id, date)
);
CREATE INDEX daily_reports_date_idx ON daily_reports (date);

CREATE TABLE daily_report_revisions (
  school_id uuid NOT NULL,
  date date NOT NULL,
  revision integer NOT NULL,
  made_at timestamptz NOT NULL,
  cause text NOT NULL CHECK (cause IN ('scheduled','on_demand','submitted','amended')),
  totals jsonb NOT NULL,
  classes jsonb NOT NULL,
  -- studentId → status for every enrolled student not present on time (present is the default).
  statuses jsonb NOT NULL,
  offline_terminals jsonb NOT NULL DEFAULT '[]',
  changes jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (school_id, date, revision),
  FOREIGN KEY (school_id, date) REFERENCES daily_reports (school_id, date) ON DELETE CASCADE
);

CREATE TABLE daily_report_dirty (
  school_id uuid NOT NULL,
  date date NOT NULL,
  PRIMARY KEY (school_id, date)
);

CREATE FUNCTION daily_report_touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO daily_report_dirty (school_id, date)
  SELECT DISTINCT n.school_id, n.date FROM changed_new n
   WHERE EXISTS (SELECT 1 FROM daily_reports r WHERE r.school_id = n.school_id AND r.date = n.date)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER attendance_days_report_ins AFTER INSERT ON attendance_days
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION daily_report_touch();
CREATE TRIGGER attendance_days_report_upd AFTER UPDATE ON attendance_days
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION daily_report_touch();
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TRIGGER IF EXISTS attendance_days_report_ins ON attendance_days;
DROP TRIGGER IF EXISTS attendance_days_report_upd ON attendance_days;
DROP TRIGGER IF EXISTS students_enrolment_ins ON students;
DROP TRIGGER IF EXISTS students_enrolment_upd ON students;
DROP TABLE IF EXISTS daily_report_dirty, daily_report_revisions, daily_reports, enrolments;
DROP FUNCTION IF EXISTS daily_report_touch(), enrolments_ins(), enrolments_upd(), enrolment_day(text, date), school_day(smallint[], date[], date, date);
DROP INDEX IF EXISTS attendance_days_report_idx;
ALTER TABLE districts DROP COLUMN report_webhook_url, DROP COLUMN report_webhook_secret, DROP COLUMN report_email;
ALTER TABLE schools DROP COLUMN starts_on, DROP COLUMN report_time;
`);
  }
}
