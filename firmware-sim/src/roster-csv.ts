/**
 * Students from the shared sample export (`students.csv`, UTF-8 with BOM), so simulated students
 * tap exactly the cards the server has enrolled from the same file.
 */
import { readFile } from 'node:fs/promises';
import { parseString } from '@fast-csv/parse';
import { CardFormatError, parsePrintedCard, type CardId } from '@rfid/protocol';
import { widenToEm40 } from './cards.js';

export interface RosterStudent {
  card: CardId;
  /** The number as printed on the card, e.g. `1899986535` or `064,18736`. */
  printed: string;
  name: string;
  classId: string;
  schoolId: string;
  studentCode: string;
}

export interface RosterLoadResult {
  students: RosterStudent[];
  /** Rows left out, with the reason (no card, unreadable number, other school). */
  skipped: { row: number; reason: string }[];
}

export interface RosterCsvOptions {
  /** Keep only this school's students (`Mã trường`). */
  schoolId?: string;
  /** Keep only these classes (`Lớp`, compared after trimming, case-insensitive). */
  classIds?: string[];
  /** Version byte used to widen printed numbers to 40 bits (see `widenToEm40`). */
  versionByte?: number;
}

export const ROSTER_COLUMNS = {
  school: 'Mã trường',
  code: 'Mã định danh',
  name: 'Họ và tên',
  class: 'Lớp',
  card: 'Số in trên thẻ',
} as const;

function cell(row: Record<string, string>, column: string): string {
  return (row[column] ?? '').normalize('NFC').trim();
}

export async function parseRosterCsv(text: string, opts: RosterCsvOptions = {}): Promise<RosterLoadResult> {
  const rows = await new Promise<Record<string, string>[]>((resolve, reject) => {
    const out: Record<string, string>[] = [];
    parseString<Record<string, string>, Record<string, string>>(text.replace(/^\uFEFF/, ''), {
      headers: (headers) => headers.map((h) => h?.normalize('NFC').trim()),
      ignoreEmpty: true,
    })
      .on('error', reject)
      .on('data', (row: Record<string, string>) => out.push(row))
      .on('end', () => resolve(out));
  });
  const wantedClasses = opts.classIds?.map((c) => c.trim().toLowerCase());
  const students: RosterStudent[] = [];
  const skipped: RosterLoadResult['skipped'] = [];
  rows.forEach((row, i) => {
    const rowNo = i + 2; // header is row 1
    const schoolId = cell(row, ROSTER_COLUMNS.school);
    const classId = cell(row, ROSTER_COLUMNS.class);
    if (opts.schoolId && schoolId !== opts.schoolId) return;
    if (wantedClasses && !wantedClasses.includes(classId.toLowerCase())) return;
    const printed = cell(row, ROSTER_COLUMNS.card);
    if (!printed) {
      skipped.push({ row: rowNo, reason: 'no card number' });
      return;
    }
    try {
      students.push({
        card: widenToEm40(parsePrinted(printed), opts.versionByte),
        printed,
        name: cell(row, ROSTER_COLUMNS.name),
        classId,
        schoolId,
        studentCode: cell(row, ROSTER_COLUMNS.code),
      });
    } catch (e) {
      skipped.push({ row: rowNo, reason: e instanceof Error ? e.message : String(e) });
    }
  });
  return { students, skipped };
}

function parsePrinted(printed: string): CardId {
  const card = parsePrintedCard(printed);
  if (card.tech !== 'em4100')
    throw new CardFormatError('bad_printed_number', `"${printed}" is not an EM4100 number`);
  return card;
}

export async function loadRosterCsv(path: string, opts: RosterCsvOptions = {}): Promise<RosterLoadResult> {
  return parseRosterCsv(await readFile(path, 'utf8'), opts);
}
