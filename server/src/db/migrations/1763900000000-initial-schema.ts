import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole first schema. Hand-written SQL (not generated) so the indexes, partial unique
 * constraints and triggers are exactly what the hot path needs.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE districts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schools (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  district_id uuid NOT NULL REFERENCES districts(id),
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  level text,
  time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
  school_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5,6}',
  holidays date[] NOT NULL DEFAULT '{}',
  on_time_until text NOT NULL DEFAULT '07:00' CHECK (on_time_until ~ '^[0-2][0-9]:[0-5][0-9]$'),
  late_until text NOT NULL DEFAULT '09:00' CHECK (late_until ~ '^[0-2][0-9]:[0-5][0-9]$'),
  absence_cutoff text NOT NULL DEFAULT '09:00' CHECK (absence_cutoff ~ '^[0-2][0-9]:[0-5][0-9]$'),
  checkout_from text NOT NULL DEFAULT '16:00' CHECK (checkout_from ~ '^[0-2][0-9]:[0-5][0-9]$'),
  checkout_until text NOT NULL DEFAULT '18:30' CHECK (checkout_until ~ '^[0-2][0-9]:[0-5][0-9]$'),
  roster_version integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schools_district_idx ON schools (district_id);

CREATE TABLE classes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools(id),
  name text NOT NULL,
  grade smallint,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (school_id, name)
);

CREATE TABLE students (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools(id),
  class_id uuid NOT NULL REFERENCES classes(id),
  student_code text NOT NULL UNIQUE,
  name text NOT NULL,
  birth_date date,
  gender text,
  ethnicity text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX students_school_idx ON students (school_id) WHERE active;
CREATE INDEX students_class_idx ON students (class_id);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin','district','school','teacher','parent')),
  district_id uuid REFERENCES districts(id),
  school_id uuid REFERENCES schools(id),
  display_name text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE user_classes (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, class_id)
);
CREATE TABLE user_students (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  student_id uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, student_id)
);

CREATE TABLE guardians (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  phone text,
  email text,
  zalo_id text,
  channels text[] NOT NULL DEFAULT '{}',
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guardians_phone_idx ON guardians (phone);
CREATE TABLE student_guardians (
  student_id uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  guardian_id uuid NOT NULL REFERENCES guardians(id) ON DELETE CASCADE,
  relation text,
  PRIMARY KEY (student_id, guardian_id)
);
CREATE INDEX student_guardians_guardian_idx ON student_guardians (guardian_id);

CREATE TABLE cards (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  school_id uuid NOT NULL REFERENCES schools(id),
  student_id uuid REFERENCES students(id),
  tech text NOT NULL CHECK (tech IN ('em4100','mifare')),
  bits smallint NOT NULL,
  hex text NOT NULL,
  text text NOT NULL,
  printed text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','lost','replaced')),
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
-- One active card per student.
CREATE UNIQUE INDEX cards_one_active_per_student ON cards (student_id) WHERE status = 'active';
CREATE INDEX cards_school_idx ON cards (school_id, status);

CREATE TABLE card_keys (
  school_id uuid NOT NULL,
  key text NOT NULL,
  card_id uuid NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
  bits smallint NOT NULL,
  PRIMARY KEY (school_id, key, card_id)
);
CREATE INDEX card_keys_card_idx ON card_keys (card_id);

CREATE TABLE gateways (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
  school_id uuid NOT NULL REFERENCES schools(id),
  name text NOT NULL,
  secret_hash text NOT NULL,
  online boolean NOT NULL DEFAULT false,
  version text,
  queue integer,
  terminals jsonb NOT NULL DEFAULT '[]',
  last_seen_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateways_school_idx ON gateways (school_id);

CREATE TABLE terminals (
  gateway_id text NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
  id text NOT NULL,
  school_id uuid NOT NULL REFERENCES schools(id),
  direction text CHECK (direction IN ('in','out')),
  online boolean NOT NULL DEFAULT false,
  last_seen_at timestamptz,
  PRIMARY KEY (gateway_id, id)
);

-- Taps: append-only, one row per gateway-made id. A plain table, not partitioned: ON CONFLICT (id)
-- needs a unique index on id alone, which a range-partitioned table cannot have (the partition key
-- must be in it). Reads are by school and time range, so (school_id, at) is the access path;
-- ~60 M rows a year for the province fit one table; old years can be moved out by date.
CREATE TABLE taps (
  id uuid PRIMARY KEY,
  at timestamptz NOT NULL,
  school_id uuid NOT NULL,
  gateway_id text NOT NULL,
  terminal text NOT NULL,
  card text NOT NULL,
  raw text NOT NULL,
  seq bigint NOT NULL,
  direction text,
  card_id uuid,
  student_id uuid,
  local_date date NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX taps_school_at_idx ON taps (school_id, at);
CREATE INDEX taps_student_at_idx ON taps (student_id, at) WHERE student_id IS NOT NULL;
CREATE INDEX taps_unknown_card_idx ON taps (school_id, card) WHERE card_id IS NULL;

CREATE TABLE attendance_days (
  student_id uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  date date NOT NULL,
  school_id uuid NOT NULL,
  class_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('present','late','absent','excused','pending')),
  first_in timestamptz,
  first_in_tap_id uuid,
  last_out timestamptz,
  last_out_tap_id uuid,
  tap_count integer NOT NULL DEFAULT 0,
  source text NOT NULL DEFAULT 'tap' CHECK (source IN ('tap','manual')),
  note text,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (student_id, date)
);
CREATE INDEX attendance_days_school_date_idx ON attendance_days (school_id, date);

CREATE TABLE dead_letters (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  topic text NOT NULL,
  school_id text,
  gateway_id text,
  code text NOT NULL,
  reason text NOT NULL,
  tap_id text,
  payload text NOT NULL
);
CREATE INDEX dead_letters_received_idx ON dead_letters (received_at);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  user_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id text,
  school_id uuid,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_school_idx ON audit_log (school_id, at);

CREATE TABLE notification_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_id uuid NOT NULL REFERENCES students(id) ON DELETE CASCADE,
  guardian_id uuid REFERENCES guardians(id) ON DELETE SET NULL,
  tap_id uuid,
  event text NOT NULL,
  channel text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
  text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at) WHERE status = 'pending';
CREATE INDEX notification_outbox_student_idx ON notification_outbox (student_id, created_at);

-- Roster push: any change to a school's cards, students or classes bumps its roster_version and
-- notifies 'roster_changed' (payload: school id; identical notifications in one transaction fold
-- into one), so the server republishes the retained roster whatever code path made the change.
CREATE FUNCTION roster_bump(school_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  s uuid;
BEGIN
  FOR s IN SELECT DISTINCT unnest(school_ids) LOOP
    UPDATE schools SET roster_version = roster_version + 1 WHERE id = s;
    PERFORM pg_notify('roster_changed', s::text);
  END LOOP;
END
$fn$;
CREATE FUNCTION roster_changed_ins() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM roster_bump(ARRAY(SELECT school_id FROM changed_new));
  RETURN NULL;
END
$fn$;
CREATE FUNCTION roster_changed_upd() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM roster_bump(ARRAY(SELECT school_id FROM changed_new UNION SELECT school_id FROM changed_old));
  RETURN NULL;
END
$fn$;
CREATE FUNCTION roster_changed_del() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM roster_bump(ARRAY(SELECT school_id FROM changed_old));
  RETURN NULL;
END
$fn$;
`);
    // Statement-level with transition tables: a 1,000-row import bumps each school once.
    for (const table of ['cards', 'students', 'classes']) {
      await q.query(`
CREATE TRIGGER ${table}_roster_ins AFTER INSERT ON ${table}
  REFERENCING NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_ins();
CREATE TRIGGER ${table}_roster_upd AFTER UPDATE ON ${table}
  REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_upd();
CREATE TRIGGER ${table}_roster_del AFTER DELETE ON ${table}
  REFERENCING OLD TABLE AS changed_old FOR EACH STATEMENT EXECUTE FUNCTION roster_changed_del();
`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE IF EXISTS notification_outbox, audit_log, dead_letters, attendance_days, taps, terminals,
  gateways, card_keys, cards, student_guardians, guardians, user_students, user_classes, users,
  students, classes, schools, districts CASCADE;
DROP FUNCTION IF EXISTS roster_changed_ins(), roster_changed_upd(), roster_changed_del(), roster_bump(uuid[]);
`);
  }
}
