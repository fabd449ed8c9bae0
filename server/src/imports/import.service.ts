/**
 * Imports of districts, schools, students (with class, guardian and card) and card assignments
 * from CSV/XLSX. Contract:
 * - Rows stream in (never the whole file in memory) and go in batches of 2,000 into a temporary
 *   staging table; the changes are then made with a few set-based statements — never one ORM save
 *   per row.
 * - ALL-OR-NOTHING: one transaction per import. Any row error → nothing is written; the answer
 *   lists the errors with their spreadsheet row numbers (422, or 200 with `dryRun=true`).
 * - `dryRun=true` does everything, reports created/updated/unchanged, and rolls back.
 * - Idempotent: the national student code (Mã định danh) is the key; importing the same file again
 *   changes nothing. Identical duplicated rows are skipped (counted in `duplicates`); two different
 *   rows with one code are an error.
 * - Additive: students missing from the file are kept (deactivate them with PATCH /students/{id}).
 */
import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { cardToText, isValidTimeZone, type Clock } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { useClockForEnrolments } from '../calendar/enrolment.repository.js';
import { Database } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { LOGGER, type Logger } from '../logger.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { FIELD_ALIASES, mapHeader, type ImportKind } from './columns.js';
import { openSheet, type Sheet } from './import-source.js';
import { cardKeysOf, clean, readCardRow, readStudentRow, rowFingerprint, type RowError, type StudentRow } from './student-row.js';
import { defaultChannelsSql } from '../notifications/preferences.js';

export interface ImportOptions {
  dryRun: boolean;
  /** Default school for rows without a school code (and the only school the rows may name). */
  schoolId?: string;
  mimeType?: string;
  filename?: string;
  /** Called every `progressEvery` rows read. */
  onProgress?: (p: { rows: number; errors: number }) => void;
}

export interface ImportReport {
  kind: ImportKind;
  dryRun: boolean;
  /** True when the changes were committed. */
  applied: boolean;
  format: 'csv' | 'xlsx';
  /** Data rows read (blank rows not counted). */
  rows: number;
  /** Rows skipped because they repeat an earlier row exactly. */
  duplicates: number;
  created: Record<string, number>;
  updated: Record<string, number>;
  unchanged: Record<string, number>;
  errorCount: number;
  /** The first 1,000 errors, by row. */
  errors: RowError[];
  durationMs: number;
}

const BATCH = 2000;
const MAX_ERRORS = 1000;
const PROGRESS_EVERY = 5000;

/** The in-process seeding caller (demo, benchmarks): an admin, audited as `system`. */
export const SYSTEM_CALLER: Caller = { userId: '', username: 'system', role: 'admin', districtId: null, schoolId: null, classIds: [], studentIds: [] };

class Rollback extends Error {}

class Errors {
  readonly list: RowError[] = [];
  count = 0;
  add(e: RowError): void {
    this.count++;
    if (this.list.length < MAX_ERRORS) this.list.push(e);
  }
}

@Injectable()
export class ImportService {
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.log = logger.child({ component: 'import' });
  }

  /** Import a file (CSV or XLSX bytes, streamed). Throws 422 `bad_import` (with the report) when rows are wrong and it is not a dry run. */
  async importFile(caller: Caller, kind: ImportKind, input: AsyncIterable<Buffer | string>, opts: ImportOptions): Promise<ImportReport> {
    const started = Date.now();
    const sheet = await openSheet(input, opts);
    const report: ImportReport = { kind, dryRun: opts.dryRun, applied: false, format: sheet.format, rows: 0, duplicates: 0, created: {}, updated: {}, unchanged: {}, errorCount: 0, errors: [], durationMs: 0 };
    const errors = new Errors();
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await useClockForEnrolments(client, this.clock.now());
      if (kind === 'students' || kind === 'cards') await this.students(client, caller, kind, sheet, opts, report, errors);
      else if (kind === 'schools') await this.schools(client, caller, sheet, opts, report, errors);
      else await this.districts(client, caller, sheet, opts, report, errors);
      report.errorCount = errors.count;
      report.errors = errors.list;
      if (errors.count || opts.dryRun) throw new Rollback();
      await this.audit.record(caller.userId ? caller : null, { action: `import.${kind}`, entity: kind, schoolId: opts.schoolId ?? null, details: summary(report, opts) }, client);
      await client.query('COMMIT');
      report.applied = true;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (!(e instanceof Rollback)) throw e;
    } finally {
      client.release();
      // Drain what is left of the upload so the connection can answer.
      await drain(sheet.rows).catch(() => undefined);
    }
    report.durationMs = Date.now() - started;
    this.log.info({ kind, dryRun: opts.dryRun, rows: report.rows, errors: report.errorCount, created: report.created, updated: report.updated, ms: report.durationMs }, 'import done');
    if (!opts.dryRun) {
      if (report.errorCount) {
        await this.audit.record(caller.userId ? caller : null, { action: `import.${kind}.rejected`, entity: kind, schoolId: opts.schoolId ?? null, details: summary(report, opts) });
        throw new DomainError('bad_import', `${report.errorCount} row(s) have errors; nothing was imported`, { ...report });
      }
    } else {
      await this.audit.record(caller.userId ? caller : null, { action: `import.${kind}.dry-run`, entity: kind, schoolId: opts.schoolId ?? null, details: summary(report, opts) });
    }
    return report;
  }

  // ---- students and cards

  private async students(c: pg.PoolClient, caller: Caller, kind: 'students' | 'cards', sheet: Sheet, opts: ImportOptions, report: ImportReport, errors: Errors): Promise<void> {
    const cols = mapHeader(sheet.header, FIELD_ALIASES.students);
    const required = kind === 'students' ? (['studentCode', 'name', 'className'] as const) : (['studentCode', 'card'] as const);
    const missing = required.filter((f) => cols[f] === undefined);
    if (missing.length) throw new DomainError('bad_request', `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`);
    if (kind === 'students' && cols.schoolCode === undefined && !opts.schoolId) throw new DomainError('bad_request', 'no "Mã trường" column: name the school with ?schoolId=');
    let defaultSchool: { id: string; code: string } | null = null;
    if (opts.schoolId) {
      await this.scope.require(caller, 'school', opts.schoolId);
      const [s] = (await c.query<{ id: string; code: string }>('SELECT id, code FROM schools WHERE id = $1', [opts.schoolId])).rows;
      defaultSchool = s!;
    }
    const t0 = Date.now();
    await c.query(`CREATE TEMP TABLE import_students (
      row_no int NOT NULL, school_id uuid, student_code text NOT NULL, name text, birth_date date, gender text, ethnicity text,
      class_name text, grade smallint, guardian_name text, guardian_phone text, card_text text, card_tech text, card_bits smallint,
      card_hex text, card_printed text, card_keys text, student_id uuid, guardian_id uuid, card_new boolean NOT NULL DEFAULT false,
      card_id uuid NOT NULL DEFAULT gen_random_uuid()
    ) ON COMMIT DROP`);
    const schools = new Map<string, string | null>();
    const schoolOf = async (code: string): Promise<string | null> => {
      if (!schools.has(code)) {
        const [s] = (await c.query<{ id: string }>('SELECT id FROM schools WHERE upper(code) = $1', [code])).rows;
        schools.set(code, s && (await this.scope.access(caller, 'school', s.id)) === 'full' ? s.id : null);
      }
      return schools.get(code)!;
    };
    const seen = new Map<string, { row: number; fp: string }>();
    const cardSeen = new Map<string, { row: number; code: string }>();
    let batch: (StudentRow & { schoolId: string | null })[] = [];
    for await (const { row, cells } of sheet.rows) {
      if (cells.every((x) => clean(x) === '')) continue;
      report.rows++;
      if (report.rows % PROGRESS_EVERY === 0) {
        opts.onProgress?.({ rows: report.rows, errors: errors.count });
        this.log.debug({ rows: report.rows }, 'import progress');
      }
      const parsed = kind === 'cards' ? readCardRow(row, cells, cols) : readStudentRow(row, cells, cols);
      if ('errors' in parsed) {
        parsed.errors.forEach((e) => errors.add(e));
        continue;
      }
      const r = parsed.ok;
      let schoolId: string | null = null;
      if (kind === 'students') {
        if (!r.schoolCode && !defaultSchool) {
          errors.add({ row, column: 'schoolCode', message: 'the school code (Mã trường) is empty' });
          continue;
        }
        const code = r.schoolCode ?? defaultSchool!.code.toUpperCase();
        if (defaultSchool && code !== defaultSchool.code.toUpperCase()) {
          errors.add({ row, column: 'schoolCode', message: `school ${code} is not the school of this import (${defaultSchool.code})` });
          continue;
        }
        schoolId = await schoolOf(code);
        if (!schoolId) {
          errors.add({ row, column: 'schoolCode', message: `school ${code} not found` });
          continue;
        }
      }
      const fp = rowFingerprint(r);
      const prev = seen.get(r.studentCode);
      if (prev) {
        if (prev.fp === fp) report.duplicates++;
        else errors.add({ row, column: 'studentCode', message: `student code ${r.studentCode} is also on row ${prev.row}, with different data` });
        continue;
      }
      seen.set(r.studentCode, { row, fp });
      let cardClash = false;
      for (const k of cardKeysOf(r)) {
        const key = `${schoolId ?? ''}|${k}`;
        const other = cardSeen.get(key);
        if (other && other.code !== r.studentCode) {
          errors.add({ row, column: 'card', message: `card ${r.cardPrinted} is also on row ${other.row} (student ${other.code})` });
          cardClash = true;
          break;
        }
        cardSeen.set(key, { row, code: r.studentCode });
      }
      if (cardClash) continue;
      batch.push({ ...r, schoolId });
      if (batch.length >= BATCH) {
        await stage(c, batch);
        batch = [];
      }
    }
    await stage(c, batch);
    this.log.debug({ phase: 'staged', rows: report.rows, ms: Date.now() - t0 }, 'import phase');
    if (report.rows === 0) throw new DomainError('bad_request', 'the file has a header but no data rows');
    await c.query('ANALYZE import_students');

    if (kind === 'cards') {
      // The student must exist in a school the caller manages; the card goes to that school.
      await c.query(`UPDATE import_students i SET student_id = st.id, school_id = st.school_id FROM students st WHERE st.student_code = i.student_code`);
      const found = (await c.query<{ row_no: number; student_code: string; school_id: string | null }>('SELECT row_no, student_code, school_id FROM import_students ORDER BY row_no')).rows;
      const allowed = new Map<string, boolean>();
      for (const f of found) {
        if (f.school_id && !allowed.has(f.school_id)) allowed.set(f.school_id, (await this.scope.access(caller, 'school', f.school_id)) === 'full');
        if (!f.school_id || !allowed.get(f.school_id)) errors.add({ row: f.row_no, column: 'studentCode', message: `student ${f.student_code} not found` });
      }
    } else {
      // A student moving from another school: the caller must manage that school too.
      const moves = (await c.query<{ row_no: number; student_code: string; from_school: string }>(
        `SELECT i.row_no, i.student_code, st.school_id AS from_school FROM import_students i JOIN students st ON st.student_code = i.student_code WHERE st.school_id <> i.school_id ORDER BY i.row_no`,
      )).rows;
      const allowed = new Map<string, boolean>();
      for (const m of moves) {
        if (!allowed.has(m.from_school)) allowed.set(m.from_school, (await this.scope.access(caller, 'school', m.from_school)) === 'full');
        if (!allowed.get(m.from_school)) errors.add({ row: m.row_no, column: 'studentCode', message: `student code ${m.student_code} belongs to a school outside your scope` });
      }
    }
    // A card that is already the active card of another student of the school.
    const clashes = (await c.query<{ row_no: number; card_printed: string; other_code: string; other_name: string }>(
      `SELECT DISTINCT ON (i.row_no) i.row_no, i.card_printed, st.student_code AS other_code, st.name AS other_name
         FROM import_students i
         CROSS JOIN LATERAL unnest(string_to_array(i.card_keys, ',')) AS k(key)
         JOIN card_keys ck ON ck.school_id = i.school_id AND ck.key = k.key
         JOIN cards cd ON cd.id = ck.card_id AND cd.status = 'active'
         JOIN students st ON st.id = cd.student_id
        WHERE i.card_text IS NOT NULL AND st.student_code <> i.student_code
        ORDER BY i.row_no`,
    )).rows;
    for (const x of clashes) errors.add({ row: x.row_no, column: 'card', message: `card ${x.card_printed} is the active card of ${x.other_name} (${x.other_code})` });
    this.log.debug({ phase: 'checked', ms: Date.now() - t0 }, 'import phase');
    if (errors.count) return;

    if (kind === 'students') await this.mergeStudents(c, report);
    this.log.debug({ phase: 'students merged', ms: Date.now() - t0 }, 'import phase');
    await this.mergeCards(c, report);
    this.log.debug({ phase: 'cards merged', ms: Date.now() - t0 }, 'import phase');
  }

  private async mergeStudents(c: pg.PoolClient, report: ImportReport): Promise<void> {
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
    const staged = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM import_students')).rows[0]!.n);
    report.created.students = students.rows.filter((r) => r.created).length;
    report.updated.students = students.rows.length - report.created.students;
    report.unchanged.students = staged - students.rows.length;
    await c.query('UPDATE import_students i SET student_id = st.id FROM students st WHERE st.student_code = i.student_code');
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
  }

  /** New card for each row whose card is not already the student's active card; the old card is retired (keys gone at once). */
  private async mergeCards(c: pg.PoolClient, report: ImportReport): Promise<void> {
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
    const counts = (await c.query<{ new: string; total: string }>(`SELECT count(*) FILTER (WHERE card_new) AS new, count(card_text) AS total FROM import_students`)).rows[0]!;
    report.created.cards = Number(counts.new);
    report.unchanged.cards = Number(counts.total) - Number(counts.new);
  }

  // ---- districts and schools (hundreds of rows at most: row by row inside the one transaction)

  private async districts(c: pg.PoolClient, caller: Caller, sheet: Sheet, _opts: ImportOptions, report: ImportReport, errors: Errors): Promise<void> {
    if (caller.role !== 'admin') throw new DomainError('forbidden', 'only an admin may import districts');
    const cols = mapHeader(sheet.header, FIELD_ALIASES.districts);
    const missing = (['code', 'name'] as const).filter((f) => cols[f] === undefined);
    if (missing.length) throw new DomainError('bad_request', `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`);
    report.created.districts = report.updated.districts = report.unchanged.districts = 0;
    const seen = new Map<string, number>();
    for await (const { row, cells } of sheet.rows) {
      if (cells.every((x) => clean(x) === '')) continue;
      report.rows++;
      const code = clean(cells[cols.code!]).toUpperCase();
      const name = clean(cells[cols.name!]);
      if (!code || !name) {
        errors.add({ row, column: code ? 'name' : 'code', message: `the district ${code ? 'name' : 'code'} is empty` });
        continue;
      }
      if (seen.has(code)) {
        report.duplicates++;
        continue;
      }
      seen.set(code, row);
      const r = await c.query<{ created: boolean }>(
        `INSERT INTO districts AS d (code, name) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name WHERE d.name IS DISTINCT FROM EXCLUDED.name RETURNING (xmax = 0) AS created`,
        [code, name],
      );
      if (!r.rows[0]) report.unchanged.districts++;
      else if (r.rows[0].created) report.created.districts++;
      else report.updated.districts++;
    }
  }

  private async schools(c: pg.PoolClient, caller: Caller, sheet: Sheet, _opts: ImportOptions, report: ImportReport, errors: Errors): Promise<void> {
    if (caller.role !== 'admin' && caller.role !== 'district') throw new DomainError('forbidden', `a ${caller.role} user may not import schools`);
    const cols = mapHeader(sheet.header, FIELD_ALIASES.schools);
    const missing = (['code', 'name', 'district'] as const).filter((f) => cols[f] === undefined);
    if (missing.length) throw new DomainError('bad_request', `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`);
    const districts = (await c.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM districts')).rows;
    const districtOf = (s: string) => {
      const k = s.toLocaleLowerCase('vi');
      const d = districts.find((x) => x.code.toLocaleLowerCase('vi') === k || x.name.normalize('NFC').toLocaleLowerCase('vi') === k);
      return d && (caller.role === 'admin' || d.id === caller.districtId) ? d : null;
    };
    report.created.schools = report.updated.schools = report.unchanged.schools = 0;
    const seen = new Set<string>();
    for await (const { row, cells } of sheet.rows) {
      if (cells.every((x) => clean(x) === '')) continue;
      report.rows++;
      const get = (f: keyof typeof cols) => (cols[f] === undefined ? '' : clean(cells[cols[f]!]));
      const code = get('code').toUpperCase();
      const name = get('name');
      const district = districtOf(get('district'));
      const bell = get('onTimeUntil');
      const tz = get('timeZone') || 'Asia/Ho_Chi_Minh';
      const problems: RowError[] = [];
      if (!code) problems.push({ row, column: 'code', message: 'the school code is empty' });
      if (!name) problems.push({ row, column: 'name', message: 'the school name is empty' });
      if (!district) problems.push({ row, column: 'district', message: `district "${get('district')}" not found` });
      const onTime = bell ? normaliseClock(bell) : null;
      if (bell && !onTime) problems.push({ row, column: 'onTimeUntil', message: `"${bell}" is not a time of day (HH:MM)` });
      if (!isValidTimeZone(tz)) problems.push({ row, column: 'timeZone', message: `"${tz}" is not an IANA time zone` });
      if (problems.length) {
        problems.forEach((p) => errors.add(p));
        continue;
      }
      if (seen.has(code)) {
        report.duplicates++;
        continue;
      }
      seen.add(code);
      const existing = (await c.query<{ district_id: string }>('SELECT district_id FROM schools WHERE code = $1', [code])).rows[0];
      if (existing && caller.role !== 'admin' && existing.district_id !== caller.districtId) {
        errors.add({ row, column: 'code', message: `school ${code} belongs to another district` });
        continue;
      }
      const r = await c.query<{ created: boolean }>(
        `INSERT INTO schools AS s (district_id, code, name, level, time_zone, on_time_until) VALUES ($1, $2, $3, $4, $5, COALESCE($6, '07:00'))
         ON CONFLICT (code) DO UPDATE SET district_id = EXCLUDED.district_id, name = EXCLUDED.name, level = COALESCE(EXCLUDED.level, s.level),
           time_zone = EXCLUDED.time_zone, on_time_until = COALESCE($6, s.on_time_until)
         WHERE (s.district_id, s.name, s.level, s.time_zone, s.on_time_until)
           IS DISTINCT FROM (EXCLUDED.district_id, EXCLUDED.name, COALESCE(EXCLUDED.level, s.level), EXCLUDED.time_zone, COALESCE($6, s.on_time_until))
         RETURNING (xmax = 0) AS created`,
        [district!.id, code, name, get('level') || null, tz, onTime],
      );
      if (!r.rows[0]) report.unchanged.schools++;
      else if (r.rows[0].created) report.created.schools++;
      else report.updated.schools++;
    }
  }
}

async function stage(c: pg.PoolClient, rows: (StudentRow & { schoolId: string | null })[]): Promise<void> {
  if (!rows.length) return;
  const col = <T>(f: (r: StudentRow & { schoolId: string | null }) => T) => rows.map(f);
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

function normaliseClock(s: string): string | null {
  const m = /^(\d{1,2})[:hH.](\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, '0')}:${m[2]}` : null;
}

function summary(r: ImportReport, o: ImportOptions): Record<string, unknown> {
  return { filename: o.filename ?? null, format: r.format, rows: r.rows, duplicates: r.duplicates, created: r.created, updated: r.updated, unchanged: r.unchanged, errorCount: r.errorCount };
}

async function drain(rows: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of rows) void _;
}
