/**
 * Imports of districts and schools: hundreds of rows at most, so row by row inside the import's
 * one transaction (students and cards go through the set-based staging path).
 */
import type pg from 'pg';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '@rfid/protocol';
import type { Caller } from '../auth/caller.js';
import { DomainError } from '../common/domain-error.js';
import { FIELD_ALIASES, mapHeader } from './columns.js';
import type { Sheet } from './import-source.js';
import type { ImportRepository } from './import.repository.js';
import { requireColumns, type Errors, type ImportReport } from './import-report.js';
import { clean, type RowError } from './student-row.js';

export async function importDistricts(
  repo: ImportRepository,
  c: pg.PoolClient,
  caller: Caller,
  sheet: Sheet,
  report: ImportReport,
  errors: Errors,
): Promise<void> {
  if (caller.role !== 'admin') throw new DomainError('forbidden', 'only an admin may import districts');
  const cols = mapHeader(sheet.header, FIELD_ALIASES.districts);
  requireColumns(sheet.header, cols, ['code', 'name'] as const);
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
    report[await repo.upsertDistrict(c, code, name)].districts!++;
  }
}

export async function importSchools(
  repo: ImportRepository,
  c: pg.PoolClient,
  caller: Caller,
  sheet: Sheet,
  report: ImportReport,
  errors: Errors,
): Promise<void> {
  if (caller.role !== 'admin' && caller.role !== 'district')
    throw new DomainError('forbidden', `a ${caller.role} user may not import schools`);
  const cols = mapHeader(sheet.header, FIELD_ALIASES.schools);
  requireColumns(sheet.header, cols, ['code', 'name', 'district'] as const);
  const districts = await repo.districts(c);
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
    const existing = await repo.districtOfSchoolCode(c, code);
    if (existing && caller.role !== 'admin' && existing !== caller.districtId) {
      errors.add({ row, column: 'code', message: `school ${code} belongs to another district` });
      continue;
    }
    report[
      await repo.upsertSchool(c, {
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

function normaliseClock(s: string): string | null {
  const m = /^(\d{1,2})[:hH.](\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h < 24 && min < 60 ? `${String(h).padStart(2, '0')}:${m[2]}` : null;
}
