import type { Writable } from 'node:stream';
import { cellText, type ReportTable } from './report-table.js';

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-looking text is prefixed with `'` so Excel does not run it. */
function field(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/**
 * CSV with a UTF-8 BOM (Excel then reads Vietnamese text right), CRLF line ends, the title on the
 * first line and the header on the second; numbers plain (`.` decimals), rates as fractions.
 * Streams row by row with back-pressure.
 */
export async function writeCsv<R>(table: ReportTable<R>, out: Writable): Promise<void> {
  await write(out, `\uFEFF${field(table.title)}\r\n`);
  await write(out, `${table.columns.map((c) => field(c.header)).join(',')}\r\n`);
  for await (const row of table.rows) {
    await write(
      out,
      `${table.columns
        .map((c) => {
          const v = c.value(row);
          return typeof v === 'number' ? String(v) : field(cellText(c.type, v));
        })
        .join(',')}\r\n`,
    );
  }
  out.end();
}
