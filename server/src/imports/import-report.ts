/** What an import answers (and audits), and the row errors it collects. */
import type { ImportKind } from './columns.js';
import type { MergeCounts } from './import.repository.js';
import type { RowError } from './student-row.js';
import { DomainError } from '../common/domain-error.js';

const MAX_ERRORS = 1000;

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

/** The row errors of an import: all counted, the first 1,000 kept. */
export class Errors {
  readonly list: RowError[] = [];
  count = 0;
  add(e: RowError): void {
    this.count++;
    if (this.list.length < MAX_ERRORS) this.list.push(e);
  }
}

export function addCounts(report: ImportReport, m: MergeCounts): void {
  Object.assign(report.created, m.created);
  Object.assign(report.updated, m.updated);
  Object.assign(report.unchanged, m.unchanged);
}

/** The audit details of an import. */
export function summary(r: ImportReport, o: ImportOptions): Record<string, unknown> {
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

/** 400 naming the columns a sheet lacks (and the ones it has). */
export function requireColumns(
  header: readonly string[],
  cols: Record<string, number | undefined>,
  required: readonly string[],
): void {
  const missing = required.filter((f) => cols[f] === undefined);
  if (missing.length)
    throw new DomainError(
      'bad_request',
      `missing column(s): ${missing.join(', ')} (found: ${header.join(', ')})`,
    );
}
