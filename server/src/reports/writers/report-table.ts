/**
 * What the file writers are handed: a title, columns and rows already counted by SQL. Writers only
 * format (a number stays a number, a date-time stays a date-time); they never count.
 */
export type ColumnType = 'text' | 'int' | 'rate' | 'datetime';

export interface ReportColumn<R> {
  header: string;
  type: ColumnType;
  /** Characters, for XLSX widths. */
  width?: number;
  value(row: R): string | number | boolean | null;
}

export interface ReportTable<R = unknown> {
  /** e.g. `Báo cáo chuyên cần ngày 24/11/2026 — THCS Kon Tum — Phòng GD&ĐT Đắk Hà`. */
  title: string;
  /** File name without extension, ASCII. */
  fileName: string;
  /** Sheet name (≤ 31 characters). */
  sheet: string;
  columns: ReportColumn<R>[];
  rows: Iterable<R> | AsyncIterable<R>;
}

/** The value of a cell as text (CSV and PDF). */
export function cellText(type: ColumnType, v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'x' : '';
  if (type === 'rate' && typeof v === 'number') return `${(v * 100).toFixed(1)} %`;
  return String(v);
}

/** An ASCII file name (no diacritics) for Content-Disposition. */
export function asciiFileName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 100);
}
