/**
 * The import's SQL: a temporary staging table per import (`import_students`, dropped at commit),
 * filled in batches, checked and merged into classes, students, guardians, cards and card keys
 * with a few set-based statements; districts and schools upserted row by row (hundreds at most).
 * Every statement runs on the import's one transaction (`c`). Rules (what is an error, who may
 * import what) stay in ImportService.
 */
import { Injectable } from '@nestjs/common';
import { cardToText } from '@rfid/protocol';
import type { SqlClient } from '../db/database.service.js';
import { defaultChannelsSql } from '../notifications/preferences.js';
import { cardKeysOf, type StudentRow } from './student-row.js';

export type StagedRow = StudentRow & { schoolId: string | null };
export type Counts = Record<string, number>;
export interface MergeCounts {
  created: Counts;
  updated: Counts;
  unchanged: Counts;
}
export type Upserted = 'created' | 'updated' | 'unchanged';

const upserted = (r: { created: boolean } | undefined): Upserted =>
  !r ? 'unchanged' : r.created ? 'created' : 'updated';

@Injectable()
export class ImportRepository {
  async schoolById(c: SqlClient, id: string): Promise<{ id: string; code: string } | undefined> {
    return (await c.query<{ id: string; code: string }>('SELECT id, code FROM schools WHERE id = $1', [id]))
      .rows[0];
  }

  async schoolIdByCode(c: SqlClient, code: string): Promise<string | undefined> {
    return (await c.query<{ id: string }>('SELECT id FROM schools WHERE upper(code) = $1', [code])).rows[0]
      ?.id;
  }

  async createStaging(c: SqlClient): Promise<void> {
    await c.query(`CREATE TEMP TABLE import_students (
      row_no int NOT NULL, school_id uuid, student_code text NOT NULL, name text, birth_date date, gender text, ethnicity text,
      class_name text, grade smallint, guardian_name text, guardian_phone text, card_text text, card_tech text, card_bits smallint,
      card_hex text, card_printed text, card_keys text, student_id uuid, guardian_id uuid, card_new boolean NOT NULL DEFAULT false,
      card_id uuid NOT NULL DEFAULT gen_random_uuid()
    ) ON COMMIT DROP`);
  }

  /** Fresh statistics on the staging table: the planner must see its size (hash joins, not nested loops). */
  async analyzeStaging(c: SqlClient): Promise<void> {
    await c.query('ANALYZE import_students');
  }

  async stage(c: SqlClient, rows: StagedRow[]): Promise<void> {
    if (!rows.length) return;
    const col = <T>(f: (r: StagedRow) => T) => rows.map(f);
    await c.query(
      `INSERT INTO import_students (row_no, school_id, student_code, name, birth_date, gender, ethnicity, class_name, grade,
         guardian_name, guardian_phone, card_text, card_tech, card_bits, card_hex, card_printed, card_keys)
       SELECT * FROM unnest($1::int[], $2::uuid[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[], $9::smallint[],
         $10::text[], $11::text[], $12::text[], $13::text[], $14::smallint[], $15::text[], $16::text[], $17::text[])`,
      [
        col((r) => r.row),
        col((r) => r.schoolId),
        col((r) => r.studentCode),
        col((r) => r.name || null),
        col((r) => r.birthDate),
        col((r) => r.gender),
        col((r) => r.ethnicity),
        col((r) => r.className || null),
        col((r) => r.grade),
        col((r) => r.guardianName),
        col((r) => r.guardianPhone),
        col((r) => (r.card ? cardToText(r.card) : null)),
        col((r) => r.card?.tech ?? null),
        col((r) => r.card?.bits ?? null),
        col((r) => r.card?.hex ?? null),
        col((r) => r.cardPrinted),
        col((r) => (r.card ? cardKeysOf(r).join(',') : null)),
      ],
    );
  }

  /** Cards import: the student of each row (and its school), then each row's student code and school. */
  async resolveCardStudents(
    c: SqlClient,
  ): Promise<{ row_no: number; student_code: string; school_id: string | null }[]> {
    await c.query(
      `UPDATE import_students i SET student_id = st.id, school_id = st.school_id FROM students st WHERE st.student_code = i.student_code`,
    );
    return (
      await c.query<{ row_no: number; student_code: string; school_id: string | null }>(
        'SELECT row_no, student_code, school_id FROM import_students ORDER BY row_no',
      )
    ).rows;
  }

  /** Students of the file who are now in another school. */
  async schoolMoves(c: SqlClient): Promise<{ row_no: number; student_code: string; from_school: string }[]> {
    return (
      await c.query<{ row_no: number; student_code: string; from_school: string }>(
        `SELECT i.row_no, i.student_code, st.school_id AS from_school FROM import_students i JOIN students st ON st.student_code = i.student_code WHERE st.school_id <> i.school_id ORDER BY i.row_no`,
      )
    ).rows;
  }

  /** Rows whose card is already the active card of another student of the school. */
  async cardClashes(
    c: SqlClient,
  ): Promise<{ row_no: number; card_printed: string; other_code: string; other_name: string }[]> {
    return (
      await c.query<{ row_no: number; card_printed: string; other_code: string; other_name: string }>(
        `SELECT DISTINCT ON (i.row_no) i.row_no, i.card_printed, st.student_code AS other_code, st.name AS other_name
         FROM import_students i
         CROSS JOIN LATERAL unnest(string_to_array(i.card_keys, ',')) AS k(key)
         JOIN card_keys ck ON ck.school_id = i.school_id AND ck.key = k.key
         JOIN cards cd ON cd.id = ck.card_id AND cd.status = 'active'
         JOIN students st ON st.id = cd.student_id
        WHERE i.card_text IS NOT NULL AND st.student_code <> i.student_code
        ORDER BY i.row_no`,
      )
    ).rows;
  }

  /** Classes, students (moved with their cards) and guardians from the staging table. */
  async mergeStudents(c: SqlClient): Promise<MergeCounts> {
    const report: MergeCounts = { created: {}, updated: {}, unchanged: {} };
    const classes = await c.query(
      `INSERT INTO classes (school_id, name, grade)
       SELECT DISTINCT ON (school_id, class_name) school_id, class_name, grade FROM import_students ORDER BY school_id, class_name
       ON CONFLICT (school_id, name) DO NOTHING`,
    );
    report.created.classes = classes.rowCount ?? 0;
    const students = await c.query<{ created: boolean }>(
      `INSERT INTO students AS s (school_id, class_id, student_code, name, birth_date, gender, ethnicity, active)
       SELECT i.school_id, k.id, i.student_code, i.name, i.birth_date, i.gender, i.ethnicity, true
         FROM import_students i JOIN classes k ON k.school_id = i.school_id AND k.name = i.class_name
       ON CONFLICT (student_code) DO UPDATE SET
         school_id = EXCLUDED.school_id, class_id = EXCLUDED.class_id, name = EXCLUDED.name,
         birth_date = COALESCE(EXCLUDED.birth_date, s.birth_date), gender = COALESCE(EXCLUDED.gender, s.gender),
         ethnicity = COALESCE(EXCLUDED.ethnicity, s.ethnicity), active = true
       WHERE (s.school_id, s.class_id, s.name, s.birth_date, s.gender, s.ethnicity, s.active)
         IS DISTINCT FROM (EXCLUDED.school_id, EXCLUDED.class_id, EXCLUDED.name, COALESCE(EXCLUDED.birth_date, s.birth_date),
                           COALESCE(EXCLUDED.gender, s.gender), COALESCE(EXCLUDED.ethnicity, s.ethnicity), true)
       RETURNING (xmax = 0) AS created`,
    );
    const staged = Number(
      (await c.query<{ n: string }>('SELECT count(*) AS n FROM import_students')).rows[0]!.n,
    );
    report.created.students = students.rows.filter((r) => r.created).length;
    report.updated.students = students.rows.length - report.created.students;
    report.unchanged.students = staged - students.rows.length;
    await c.query(
      'UPDATE import_students i SET student_id = st.id FROM students st WHERE st.student_code = i.student_code',
    );
    await c.query('ANALYZE import_students');
    // A student who moved school keeps its card: the card (and its match keys) move with it.
    await c.query(
      `WITH moved AS (
         UPDATE cards cd SET school_id = i.school_id FROM import_students i
          WHERE cd.student_id = i.student_id AND cd.status = 'active' AND cd.school_id <> i.school_id
         RETURNING cd.id, cd.school_id)
       UPDATE card_keys ck SET school_id = moved.school_id FROM moved WHERE ck.card_id = moved.id`,
    ); // the planner must see the filled student_id (hash joins, not nested loops)

    // Guardians: the student's guardian with the same phone or the same name is the one in the file.
    await c.query(
      `UPDATE import_students i SET guardian_id = m.guardian_id FROM (
         SELECT DISTINCT ON (i2.student_id) i2.student_id, g.id AS guardian_id
           FROM import_students i2 JOIN student_guardians sg ON sg.student_id = i2.student_id JOIN guardians g ON g.id = sg.guardian_id
          WHERE i2.guardian_name IS NOT NULL AND (g.phone = i2.guardian_phone OR g.name = i2.guardian_name)
          ORDER BY i2.student_id, (g.phone = i2.guardian_phone) DESC, g.created_at) m
       WHERE m.student_id = i.student_id`,
    );
    const gUpdated = await c.query(
      `UPDATE guardians g SET name = i.guardian_name, phone = COALESCE(i.guardian_phone, g.phone),
              channels = CASE WHEN cardinality(g.channels) = 0 THEN ${defaultChannelsSql('i.guardian_phone')} ELSE g.channels END
         FROM import_students i
        WHERE g.id = i.guardian_id AND (g.name, g.phone) IS DISTINCT FROM (i.guardian_name, COALESCE(i.guardian_phone, g.phone))`,
    );
    const gCreated = await c.query(
      `WITH n AS MATERIALIZED (
         SELECT gen_random_uuid() AS id, student_id, guardian_name, guardian_phone FROM import_students WHERE guardian_name IS NOT NULL AND guardian_id IS NULL),
       g AS (INSERT INTO guardians (id, name, phone, channels)
             SELECT id, guardian_name, guardian_phone, ${defaultChannelsSql('guardian_phone')} FROM n)
       INSERT INTO student_guardians (student_id, guardian_id) SELECT student_id, id FROM n`,
    );
    report.created.guardians = gCreated.rowCount ?? 0;
    report.updated.guardians = gUpdated.rowCount ?? 0;
    return report;
  }

  /** New card for each row whose card is not already the student's active card; the old card is retired (keys gone at once). */
  async mergeCards(c: SqlClient): Promise<MergeCounts> {
    const report: MergeCounts = { created: {}, updated: {}, unchanged: {} };
    await c.query(
      `UPDATE import_students i SET card_new = true
        WHERE i.card_text IS NOT NULL AND NOT EXISTS (
          SELECT 1 FROM cards cd JOIN card_keys ck ON ck.card_id = cd.id
           WHERE cd.student_id = i.student_id AND cd.status = 'active' AND ck.key = ANY(string_to_array(i.card_keys, ',')))`,
    );
    await c.query('ANALYZE import_students');
    // The old active cards of those students, and unassigned active cards with the same number, retire; their keys go.
    await c.query(
      `WITH old AS (
         UPDATE cards cd SET status = 'replaced', retired_at = now()
           FROM import_students i WHERE i.card_new AND cd.student_id = i.student_id AND cd.status = 'active'
         RETURNING cd.id)
       DELETE FROM card_keys WHERE card_id IN (SELECT id FROM old)`,
    );
    await c.query(
      `WITH old AS (
         UPDATE cards cd SET status = 'replaced', retired_at = now()
          WHERE cd.student_id IS NULL AND cd.status = 'active' AND cd.id IN (
            SELECT ck.card_id FROM import_students i CROSS JOIN LATERAL unnest(string_to_array(i.card_keys, ',')) AS k(key)
              JOIN card_keys ck ON ck.school_id = i.school_id AND ck.key = k.key WHERE i.card_new)
         RETURNING cd.id)
       DELETE FROM card_keys WHERE card_id IN (SELECT id FROM old)`,
    );
    await c.query(
      `INSERT INTO cards (id, school_id, student_id, tech, bits, hex, text, printed, status)
       SELECT card_id, school_id, student_id, card_tech, card_bits, card_hex, card_text, card_printed, 'active' FROM import_students WHERE card_new`,
    );
    await c.query(
      `INSERT INTO card_keys (school_id, key, card_id, bits)
       SELECT i.school_id, k.key, i.card_id, split_part(k.key, ':', 2)::smallint
         FROM import_students i CROSS JOIN LATERAL unnest(string_to_array(i.card_keys, ',')) AS k(key) WHERE i.card_new`,
    );
    const counts = (
      await c.query<{ new: string; total: string }>(
        `SELECT count(*) FILTER (WHERE card_new) AS new, count(card_text) AS total FROM import_students`,
      )
    ).rows[0]!;
    report.created.cards = Number(counts.new);
    report.unchanged.cards = Number(counts.total) - Number(counts.new);
    return report;
  }

  async upsertDistrict(c: SqlClient, code: string, name: string): Promise<Upserted> {
    const r = await c.query<{ created: boolean }>(
      `INSERT INTO districts AS d (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE d.name IS DISTINCT FROM EXCLUDED.name RETURNING (xmax = 0) AS created`,
      [code, name],
    );
    return upserted(r.rows[0]);
  }

  async districts(c: SqlClient): Promise<{ id: string; code: string; name: string }[]> {
    return (await c.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM districts'))
      .rows;
  }

  async districtOfSchoolCode(c: SqlClient, code: string): Promise<string | undefined> {
    return (await c.query<{ district_id: string }>('SELECT district_id FROM schools WHERE code = $1', [code]))
      .rows[0]?.district_id;
  }

  async upsertSchool(
    c: SqlClient,
    s: {
      districtId: string;
      code: string;
      name: string;
      level: string | null;
      timeZone: string;
      onTimeUntil: string | null;
    },
  ): Promise<Upserted> {
    const r = await c.query<{ created: boolean }>(
      `INSERT INTO schools AS s (district_id, code, name, level, time_zone, on_time_until) VALUES ($1, $2, $3, $4, $5, COALESCE($6, '07:00'))
         ON CONFLICT (code) DO UPDATE SET district_id = EXCLUDED.district_id, name = EXCLUDED.name, level = COALESCE(EXCLUDED.level, s.level),
           time_zone = EXCLUDED.time_zone, on_time_until = COALESCE($6, s.on_time_until)
         WHERE (s.district_id, s.name, s.level, s.time_zone, s.on_time_until)
           IS DISTINCT FROM (EXCLUDED.district_id, EXCLUDED.name, COALESCE(EXCLUDED.level, s.level), EXCLUDED.time_zone, COALESCE($6, s.on_time_until))
         RETURNING (xmax = 0) AS created`,
      [s.districtId, s.code, s.name, s.level, s.timeZone, s.onTimeUntil],
    );
    return upserted(r.rows[0]);
  }
}
