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
import { DEFAULT_TIME_ZONE, isValidTimeZone, type Clock } from '@rfid/protocol';
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
import {
  cardKeysOf,
  clean,
  readCardRow,
  readStudentRow,
  rowFingerprint,
  type RowError,
} from './student-row.js';
import { ImportRepository, type MergeCounts, type StagedRow } from './import.repository.js';

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
export const SYSTEM_CALLER: Caller = {
  userId: '',
  username: 'system',
  role: 'admin',
  districtId: null,
  schoolId: null,
  classIds: [],
  studentIds: [],
};

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
    private readonly repo: ImportRepository,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.log = logger.child({ component: 'import' });
  }

  /** Import a file (CSV or XLSX bytes, streamed). Throws 422 `bad_import` (with the report) when rows are wrong and it is not a dry run. */
  async importFile(
    caller: Caller,
    kind: ImportKind,
    input: AsyncIterable<Buffer | string>,
    opts: ImportOptions,
  ): Promise<ImportReport> {
    const started = performance.now();
    const sheet = await openSheet(input, opts);
    const report: ImportReport = {
      kind,
      dryRun: opts.dryRun,
      applied: false,
      format: sheet.format,
      rows: 0,
      duplicates: 0,
      created: {},
      updated: {},
      unchanged: {},
      errorCount: 0,
      errors: [],
      durationMs: 0,
    };
    const errors = new Errors();
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await useClockForEnrolments(client, this.clock.now());
      if (kind === 'students' || kind === 'cards')
        await this.students(client, caller, kind, sheet, opts, report, errors);
      else if (kind === 'schools') await this.schools(client, caller, sheet, opts, report, errors);
      else await this.districts(client, caller, sheet, opts, report, errors);
      report.errorCount = errors.count;
      report.errors = errors.list;
      if (errors.count || opts.dryRun) throw new Rollback();
      await this.audit.record(
        caller.userId ? caller : null,
        {
          action: `import.${kind}`,
          entity: kind,
          schoolId: opts.schoolId ?? null,
          details: summary(report, opts),
        },
        client,
      );
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
    report.durationMs = Math.round(performance.now() - started);
    this.log.info(
      {
        kind,
        dryRun: opts.dryRun,
        rows: report.rows,
        errors: report.errorCount,
        created: report.created,
        updated: report.updated,
        ms: report.durationMs,
      },
      'import done',
    );
    if (!opts.dryRun) {
      if (report.errorCount) {
        await this.audit.record(caller.userId ? caller : null, {
          action: `import.${kind}.rejected`,
          entity: kind,
          schoolId: opts.schoolId ?? null,
          details: summary(report, opts),
        });
        throw new DomainError('bad_import', `${report.errorCount} row(s) have errors; nothing was imported`, {
          ...report,
        });
      }
    } else {
      await this.audit.record(caller.userId ? caller : null, {
        action: `import.${kind}.dry-run`,
        entity: kind,
        schoolId: opts.schoolId ?? null,
        details: summary(report, opts),
      });
    }
    return report;
  }

  // ---- students and cards

  private async students(
    c: pg.PoolClient,
    caller: Caller,
    kind: 'students' | 'cards',
    sheet: Sheet,
    opts: ImportOptions,
    report: ImportReport,
    errors: Errors,
  ): Promise<void> {
    const cols = mapHeader(sheet.header, FIELD_ALIASES.students);
    const required =
      kind === 'students'
        ? (['studentCode', 'name', 'className'] as const)
        : (['studentCode', 'card'] as const);
    const missing = required.filter((f) => cols[f] === undefined);
    if (missing.length)
      throw new DomainError(
        'bad_request',
        `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`,
      );
    if (kind === 'students' && cols.schoolCode === undefined && !opts.schoolId)
      throw new DomainError('bad_request', 'no "Mã trường" column: name the school with ?schoolId=');
    let defaultSchool: { id: string; code: string } | null = null;
    if (opts.schoolId) {
      await this.scope.require(caller, 'school', opts.schoolId);
      defaultSchool = (await this.repo.schoolById(c, opts.schoolId))!;
    }
    const t0 = performance.now();
    await this.repo.createStaging(c);
    const schools = new Map<string, string | null>();
    const schoolOf = async (code: string): Promise<string | null> => {
      if (!schools.has(code)) {
        const id = await this.repo.schoolIdByCode(c, code);
        schools.set(code, id && (await this.scope.access(caller, 'school', id)) === 'full' ? id : null);
      }
      return schools.get(code)!;
    };
    const seen = new Map<string, { row: number; fp: string }>();
    const cardSeen = new Map<string, { row: number; code: string }>();
    let batch: StagedRow[] = [];
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
          errors.add({
            row,
            column: 'schoolCode',
            message: `school ${code} is not the school of this import (${defaultSchool.code})`,
          });
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
        else
          errors.add({
            row,
            column: 'studentCode',
            message: `student code ${r.studentCode} is also on row ${prev.row}, with different data`,
          });
        continue;
      }
      seen.set(r.studentCode, { row, fp });
      let cardClash = false;
      for (const k of cardKeysOf(r)) {
        const key = `${schoolId ?? ''}|${k}`;
        const other = cardSeen.get(key);
        if (other && other.code !== r.studentCode) {
          errors.add({
            row,
            column: 'card',
            message: `card ${r.cardPrinted} is also on row ${other.row} (student ${other.code})`,
          });
          cardClash = true;
          break;
        }
        cardSeen.set(key, { row, code: r.studentCode });
      }
      if (cardClash) continue;
      batch.push({ ...r, schoolId });
      if (batch.length >= BATCH) {
        await this.repo.stage(c, batch);
        batch = [];
      }
    }
    await this.repo.stage(c, batch);
    this.log.debug(
      { phase: 'staged', rows: report.rows, ms: Math.round(performance.now() - t0) },
      'import phase',
    );
    if (report.rows === 0) throw new DomainError('bad_request', 'the file has a header but no data rows');
    await this.repo.analyzeStaging(c);

    if (kind === 'cards') {
      // The student must exist in a school the caller manages; the card goes to that school.
      const found = await this.repo.resolveCardStudents(c);
      const allowed = new Map<string, boolean>();
      for (const f of found) {
        if (f.school_id && !allowed.has(f.school_id))
          allowed.set(f.school_id, (await this.scope.access(caller, 'school', f.school_id)) === 'full');
        if (!f.school_id || !allowed.get(f.school_id))
          errors.add({
            row: f.row_no,
            column: 'studentCode',
            message: `student ${f.student_code} not found`,
          });
      }
    } else {
      // A student moving from another school: the caller must manage that school too.
      const moves = await this.repo.schoolMoves(c);
      const allowed = new Map<string, boolean>();
      for (const m of moves) {
        if (!allowed.has(m.from_school))
          allowed.set(m.from_school, (await this.scope.access(caller, 'school', m.from_school)) === 'full');
        if (!allowed.get(m.from_school))
          errors.add({
            row: m.row_no,
            column: 'studentCode',
            message: `student code ${m.student_code} belongs to a school outside your scope`,
          });
      }
    }
    // A card that is already the active card of another student of the school.
    const clashes = await this.repo.cardClashes(c);
    for (const x of clashes)
      errors.add({
        row: x.row_no,
        column: 'card',
        message: `card ${x.card_printed} is the active card of ${x.other_name} (${x.other_code})`,
      });
    this.log.debug({ phase: 'checked', ms: Math.round(performance.now() - t0) }, 'import phase');
    if (errors.count) return;

    if (kind === 'students') addCounts(report, await this.repo.mergeStudents(c));
    this.log.debug({ phase: 'students merged', ms: Math.round(performance.now() - t0) }, 'import phase');
    addCounts(report, await this.repo.mergeCards(c));
    this.log.debug({ phase: 'cards merged', ms: Math.round(performance.now() - t0) }, 'import phase');
  }

  // ---- districts and schools (hundreds of rows at most: row by row inside the one transaction)

  private async districts(
    c: pg.PoolClient,
    caller: Caller,
    sheet: Sheet,
    _opts: ImportOptions,
    report: ImportReport,
    errors: Errors,
  ): Promise<void> {
    if (caller.role !== 'admin') throw new DomainError('forbidden', 'only an admin may import districts');
    const cols = mapHeader(sheet.header, FIELD_ALIASES.districts);
    const missing = (['code', 'name'] as const).filter((f) => cols[f] === undefined);
    if (missing.length)
      throw new DomainError(
        'bad_request',
        `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`,
      );
    report.created.districts = report.updated.districts = report.unchanged.districts = 0;
    const seen = new Map<string, number>();
    for await (const { row, cells } of sheet.rows) {
      if (cells.every((x) => clean(x) === '')) continue;
      report.rows++;
      const code = clean(cells[cols.code!]).toUpperCase();
      const name = clean(cells[cols.name!]);
      if (!code || !name) {
        errors.add({
          row,
          column: code ? 'name' : 'code',
          message: `the district ${code ? 'name' : 'code'} is empty`,
        });
        continue;
      }
      if (seen.has(code)) {
        report.duplicates++;
        continue;
      }
      seen.set(code, row);
      report[await this.repo.upsertDistrict(c, code, name)].districts!++;
    }
  }

  private async schools(
    c: pg.PoolClient,
    caller: Caller,
    sheet: Sheet,
    _opts: ImportOptions,
    report: ImportReport,
    errors: Errors,
  ): Promise<void> {
    if (caller.role !== 'admin' && caller.role !== 'district')
      throw new DomainError('forbidden', `a ${caller.role} user may not import schools`);
    const cols = mapHeader(sheet.header, FIELD_ALIASES.schools);
    const missing = (['code', 'name', 'district'] as const).filter((f) => cols[f] === undefined);
    if (missing.length)
      throw new DomainError(
        'bad_request',
        `missing column(s): ${missing.join(', ')} (found: ${sheet.header.join(', ')})`,
      );
    const districts = await this.repo.districts(c);
    const districtOf = (s: string) => {
      const k = s.toLocaleLowerCase('vi');
      const d = districts.find(
        (x) => x.code.toLocaleLowerCase('vi') === k || x.name.normalize('NFC').toLocaleLowerCase('vi') === k,
      );
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
      const tz = get('timeZone') || DEFAULT_TIME_ZONE;
      const problems: RowError[] = [];
      if (!code) problems.push({ row, column: 'code', message: 'the school code is empty' });
      if (!name) problems.push({ row, column: 'name', message: 'the school name is empty' });
      if (!district)
        problems.push({ row, column: 'district', message: `district "${get('district')}" not found` });
      const onTime = bell ? normaliseClock(bell) : null;
      if (bell && !onTime)
        problems.push({ row, column: 'onTimeUntil', message: `"${bell}" is not a time of day (HH:MM)` });
      if (!isValidTimeZone(tz))
        problems.push({ row, column: 'timeZone', message: `"${tz}" is not an IANA time zone` });
      if (problems.length) {
        problems.forEach((p) => errors.add(p));
        continue;
      }
      if (seen.has(code)) {
        report.duplicates++;
        continue;
      }
      seen.add(code);
      const existing = await this.repo.districtOfSchoolCode(c, code);
      if (existing && caller.role !== 'admin' && existing !== caller.districtId) {
        errors.add({ row, column: 'code', message: `school ${code} belongs to another district` });
        continue;
      }
      report[
        await this.repo.upsertSchool(c, {
          districtId: district!.id,
          code,
          name,
          level: get('level') || null,
          timeZone: tz,
          onTimeUntil: onTime,
        })
      ].schools!++;
    }
  }
}

function addCounts(report: ImportReport, m: MergeCounts): void {
  Object.assign(report.created, m.created);
  Object.assign(report.updated, m.updated);
  Object.assign(report.unchanged, m.unchanged);
}

function normaliseClock(s: string): string | null {
  const m = /^(\d{1,2})[:hH.](\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, '0')}:${m[2]}` : null;
}

function summary(r: ImportReport, o: ImportOptions): Record<string, unknown> {
  return {
    filename: o.filename ?? null,
    format: r.format,
    rows: r.rows,
    duplicates: r.duplicates,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    errorCount: r.errorCount,
  };
}

async function drain(rows: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of rows) void _;
}
