/**
 * Spreadsheet rows from a byte stream, one at a time (never the whole file in memory): CSV through
 * csv-parse (UTF-8 with or without BOM, UTF-16 "Unicode text" as Excel saves it; `,` `;` or tab)
 * and XLSX through the exceljs streaming reader (first worksheet). The first non-empty row is the
 * header. Row numbers are the spreadsheet's own (the header is row 1 in a plain export).
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { DomainError } from '../common/domain-error.js';

export type FileFormat = 'csv' | 'xlsx';

export interface SheetRow {
  /** 1-based row (line) number in the file. */
  row: number;
  cells: string[];
}

export interface Sheet {
  format: FileFormat;
  header: string[];
  rows: AsyncIterable<SheetRow>;
}

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Reads the first chunk to tell XLSX (a ZIP: `PK`) from CSV and the text encoding, then streams. */
export async function openSheet(
  input: AsyncIterable<Buffer | string>,
  hint?: { mimeType?: string; filename?: string },
): Promise<Sheet> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) throw new DomainError('bad_request', 'the file is empty');
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  const rest = (async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next())
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  })();
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  if (isZip || hint?.mimeType === XLSX_MIME || hint?.filename?.toLowerCase().endsWith('.xlsx')) {
    if (!isZip)
      throw new DomainError(
        'bad_request',
        'the file is not an XLSX workbook (XLS 97–2003 is not read: save as .xlsx or .csv)',
      );
    return openXlsx(Readable.from(rest));
  }
  if (head[0] === 0xd0 && head[1] === 0xcf)
    throw new DomainError('bad_request', 'XLS 97–2003 workbooks are not read: save as .xlsx or .csv (UTF-8)');
  return openCsv(rest, head);
}

async function openCsv(bytes: AsyncIterable<Buffer>, head: Buffer): Promise<Sheet> {
  const utf16 = head[0] === 0xff && head[1] === 0xfe;
  const text = (async function* () {
    const decoder = new TextDecoder(utf16 ? 'utf-16le' : 'utf-8', { fatal: !utf16 });
    try {
      for await (const chunk of bytes) yield decoder.decode(chunk, { stream: true });
      yield decoder.decode();
    } catch (e) {
      if (e instanceof TypeError)
        throw new DomainError(
          'bad_request',
          'the CSV is not UTF-8 text: save it as "CSV UTF-8" (or as .xlsx)',
        );
      throw e;
    }
  })();
  const textIt = text[Symbol.asyncIterator]();
  const firstText = await textIt.next();
  const sample = firstText.done ? '' : firstText.value;
  const delimiter = detectDelimiter(sample);
  const parser = parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
  });
  Readable.from(
    (async function* () {
      if (!firstText.done) yield firstText.value;
      for (let r = await textIt.next(); !r.done; r = await textIt.next()) yield r.value;
    })(),
  ).pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<{
    record: string[];
    info: { lines: number };
  }>;
  let header: string[] | null = null;
  let headerRow = 0;
  for (let r = await records.next(); !r.done; r = await records.next()) {
    if (r.value.record.some((c) => c.trim() !== '')) {
      header = r.value.record;
      headerRow = r.value.info.lines;
      break;
    }
  }
  if (!header) throw new DomainError('bad_request', 'the file has no header row');
  void headerRow;
  return {
    format: 'csv',
    header,
    rows: (async function* () {
      for (let r = await records.next(); !r.done; r = await records.next())
        yield { row: r.value.info.lines, cells: r.value.record };
    })(),
  };
}

function detectDelimiter(sample: string): string {
  const line = (sample.split(/\r?\n/, 1)[0] ?? '').replace(/"[^"]*"/g, '');
  const counts: [string, number][] = [',', ';', '\t'].map((d) => [d, line.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

async function openXlsx(stream: Readable): Promise<Sheet> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'emit',
  });
  const sheets = reader[Symbol.asyncIterator]() as AsyncIterator<AsyncIterable<ExcelJS.Row>>;
  const ws = await sheets.next();
  if (ws.done) throw new DomainError('bad_request', 'the workbook has no worksheet');
  const rows = ws.value[Symbol.asyncIterator]();
  let header: string[] | null = null;
  for (let r = await rows.next(); !r.done; r = await rows.next()) {
    const cells = rowCells(r.value);
    if (cells.some((c) => c !== '')) {
      header = cells;
      break;
    }
  }
  if (!header) throw new DomainError('bad_request', 'the worksheet has no header row');
  return {
    format: 'xlsx',
    header,
    rows: (async function* () {
      for (let r = await rows.next(); !r.done; r = await rows.next())
        yield { row: r.value.number, cells: rowCells(r.value) };
      // Drain the remaining worksheets so the reader finishes.
      for (let s = await sheets.next(); !s.done; s = await sheets.next())
        for await (const _ of s.value) void _;
    })(),
  };
}

function rowCells(row: ExcelJS.Row): string[] {
  const values = row.values as unknown[];
  const out: string[] = [];
  for (let i = 1; i < values.length; i++) out.push(cellText(values[i]));
  return out;
}

/** A cell as the text a person sees: dates as YYYY-MM-DD, numbers without exponent, rich text joined. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (o.richText) return o.richText.map((t) => t.text).join('');
    if (o.result !== undefined) return cellText(o.result);
    if (o.text !== undefined) return cellText(o.text);
    if (o.error) return '';
  }
  return String(v);
}
