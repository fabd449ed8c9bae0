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
import type { Clock } from '@rfid/protocol';
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
import { cardKeysOf, clean, readCardRow, readStudentRow, rowFingerprint } from './student-row.js';
import { ImportRepository, type StagedRow } from './import.repository.js';
import {
  addCounts,
  Errors,
  requireColumns,
  summary,
  type ImportOptions,
  type ImportReport,
} from './import-report.js';
import { importDistricts, importSchools } from './places-import.js';

export type { ImportOptions, ImportReport } from './import-report.js';

const BATCH = 2000;
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
      else if (kind === 'schools') await importSchools(this.repo, client, caller, sheet, report, errors);
      else await importDistricts(this.repo, client, caller, sheet, report, errors);
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
    requireColumns(sheet.header, cols, required);
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
}

async function drain(rows: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of rows) void _;
}
