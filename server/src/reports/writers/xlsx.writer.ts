import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { ReportTable } from './report-table.js';

/**
 * XLSX through exceljs's streaming workbook writer (rows are committed as they come, nothing of a
 * long table is held): the title in row 1, the header in row 2 (bold, frozen with the first
 * column), typed cells (numbers as numbers, rates as percentages, date-times as dates), widths.
 */
export async function writeXlsx<R>(table: ReportTable<R>, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = 'rfid-attendance';
  const ws = wb.addWorksheet(table.sheet.slice(0, 31), {
    views: [{ state: 'frozen', xSplit: 1, ySplit: 2 }],
  });
  ws.columns = table.columns.map((c) => ({
    width: c.width ?? Math.max(10, Math.min(40, c.header.length + 2)),
    style:
      c.type === 'rate' ? { numFmt: '0.0%' } : c.type === 'datetime' ? { numFmt: 'dd/mm/yyyy hh:mm' } : {},
  }));
  const title = ws.addRow([table.title]);
  title.font = { bold: true, size: 13 };
  title.commit();
  const header = ws.addRow(table.columns.map((c) => c.header));
  header.font = { bold: true };
  header.commit();
  for await (const row of table.rows) {
    ws.addRow(
      table.columns.map((c) => {
        const v = c.value(row);
        if (v === null) return null;
        // RFC 3339 with the school's offset → its wall-clock time (Excel cells have no zone).
        if (c.type === 'datetime' && typeof v === 'string') return new Date(`${v.slice(0, 19)}Z`);
        if (typeof v === 'boolean') return v ? 'x' : '';
        return v;
      }),
    ).commit();
  }
  ws.commit();
  await wb.commit();
}
