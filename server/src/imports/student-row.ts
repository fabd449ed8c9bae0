/** One spreadsheet row of students → a normalised row or the reasons it is wrong (pure; no I/O). */
import { cardMatchKeys, cardToText, parsePrintedCard, type CardId } from '@rfid/protocol';
import { cleanName } from '../directory/rules.js';
import { gradeOfClass, normaliseClassName, normalisePhone } from '../people/people.schemas.js';
import type { StudentField } from './columns.js';

export interface StudentRow {
  row: number;
  schoolCode: string | null;
  studentCode: string;
  name: string;
  birthDate: string | null;
  gender: string | null;
  ethnicity: string | null;
  className: string;
  grade: number | null;
  guardianName: string | null;
  guardianPhone: string | null;
  card: CardId | null;
  cardPrinted: string | null;
}

export interface RowError {
  row: number;
  column?: string;
  message: string;
}

/** Excel stores `0004467393` as the number 4467393: a bare short number is the 10-digit printed decimal. */
export function printedCardText(s: string): string {
  return /^\d{1,7}$/.test(s) ? s.padStart(10, '0') : s;
}

/** A cell as stored: the directory's name rule (NFC, blanks collapsed, trimmed). */
export function clean(s: string | undefined): string {
  return cleanName(s ?? '');
}

/** `23/12/2015`, `3/1/2015`, `23-12-2015`, `2015-12-23` → `2015-12-23`; null when not a real date. */
export function parseBirthDate(s: string): string | null {
  let y: number, m: number, d: number;
  let r: RegExpExecArray | null;
  if ((r = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s)))
    [d, m, y] = [Number(r[1]), Number(r[2]), Number(r[3])];
  else if ((r = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s)))
    [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  else return null;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d || y < 1900 || y > 2100)
    return null;
  return t.toISOString().slice(0, 10);
}

export function readStudentRow(
  row: number,
  cells: string[],
  cols: Partial<Record<StudentField, number>>,
): { ok: StudentRow } | { errors: RowError[] } {
  const get = (f: StudentField) => (cols[f] === undefined ? '' : clean(cells[cols[f]!]));
  const errors: RowError[] = [];
  const studentCode = get('studentCode').replace(/\s/g, '');
  const name = get('name');
  const rawClass = get('className');
  if (!studentCode)
    errors.push({ row, column: 'studentCode', message: 'the student code (Mã định danh) is empty' });
  else if (!/^[\p{L}\p{N}_.\-/]{1,50}$/u.test(studentCode))
    errors.push({
      row,
      column: 'studentCode',
      message: `student code "${studentCode}" has characters other than letters, digits, _ . - /`,
    });
  if (!name) errors.push({ row, column: 'name', message: 'the name (Họ và tên) is empty' });
  else if (name.length > 200)
    errors.push({ row, column: 'name', message: 'the name is longer than 200 characters' });
  const className = normaliseClassName(rawClass);
  if (!className) errors.push({ row, column: 'className', message: 'the class (Lớp) is empty' });
  else if (className.length > 50)
    errors.push({ row, column: 'className', message: `class "${rawClass}" is longer than 50 characters` });
  const rawBirth = get('birthDate');
  const birthDate = rawBirth ? parseBirthDate(rawBirth) : null;
  if (rawBirth && !birthDate)
    errors.push({ row, column: 'birthDate', message: `birth date "${rawBirth}" is not a date (dd/mm/yyyy)` });
  const rawPhone = get('guardianPhone');
  const guardianPhone = rawPhone ? normalisePhone(rawPhone) : null;
  if (rawPhone && !guardianPhone)
    errors.push({
      row,
      column: 'guardianPhone',
      message: `phone "${rawPhone}" is not a Vietnamese phone number`,
    });
  const guardianName = get('guardianName') || null;
  if (!guardianName && guardianPhone)
    errors.push({ row, column: 'guardianName', message: 'a phone number without a guardian name' });
  const cardPrinted = get('card') || null;
  let card: CardId | null = null;
  if (cardPrinted) {
    try {
      card = parsePrintedCard(printedCardText(cardPrinted));
    } catch (e) {
      errors.push({ row, column: 'card', message: (e as Error).message });
    }
  }
  if (errors.length) return { errors };
  return {
    ok: {
      row,
      schoolCode: get('schoolCode').toUpperCase() || null,
      studentCode,
      name,
      birthDate,
      gender: get('gender') || null,
      ethnicity: get('ethnicity') || null,
      className,
      grade: gradeOfClass(className),
      guardianName,
      guardianPhone,
      card,
      cardPrinted,
    },
  };
}

/** What must be equal for two rows of one student to be "the same row typed twice". */
export function rowFingerprint(r: StudentRow): string {
  return JSON.stringify([
    r.schoolCode,
    r.name,
    r.birthDate,
    r.gender,
    r.ethnicity,
    r.className,
    r.guardianName,
    r.guardianPhone,
    r.card ? cardToText(r.card) : null,
  ]);
}

export function cardKeysOf(r: StudentRow): string[] {
  return r.card ? cardMatchKeys(r.card) : [];
}

/** A row of a card-assignment sheet: student code + the card in any printed form. */
export function readCardRow(
  row: number,
  cells: string[],
  cols: Partial<Record<StudentField, number>>,
): { ok: StudentRow } | { errors: RowError[] } {
  const studentCode = clean(cells[cols.studentCode!]).replace(/\s/g, '');
  const cardPrinted = clean(cells[cols.card!]) || null;
  const errors: RowError[] = [];
  if (!studentCode)
    errors.push({ row, column: 'studentCode', message: 'the student code (Mã định danh) is empty' });
  let card: CardId | null = null;
  if (!cardPrinted) errors.push({ row, column: 'card', message: 'the card number is empty' });
  else {
    try {
      card = parsePrintedCard(printedCardText(cardPrinted));
    } catch (e) {
      errors.push({ row, column: 'card', message: (e as Error).message });
    }
  }
  if (errors.length) return { errors };
  return {
    ok: {
      row,
      schoolCode: null,
      studentCode,
      name: '',
      birthDate: null,
      gender: null,
      ethnicity: null,
      className: '',
      grade: null,
      guardianName: null,
      guardianPhone: null,
      card,
      cardPrinted,
    },
  };
}
