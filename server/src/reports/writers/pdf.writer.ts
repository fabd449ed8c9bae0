import type { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import type { SchoolDailyReport } from '@rfid/protocol';
import { vnDate } from '../../attendance/attendance-rules.js';

const require = createRequire(import.meta.url);
/** DejaVu Sans (free licence, redistributable) has every Vietnamese glyph; shipped by the `dejavu-fonts-ttf` package. */
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const REGULAR = path.join(FONT_DIR, 'DejaVuSans.ttf');
const BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');

const COUNT_HEADERS = ['Sĩ số', 'Có mặt', 'Đi muộn', 'Vắng KP', 'Vắng CP', 'Chưa rõ'];

function counts(c: SchoolDailyReport['totals']): string[] {
  return [c.enrolled, c.present, c.late, c.absent, c.excused, c.pending].map(String);
}

/**
 * A school's day on A4 for the principal's signature: totals, one line per class, the absentees
 * with their reasons, the late arrivals and a signature block. Streams to `out`.
 */
export async function writeSchoolDayPdf(
  r: SchoolDailyReport,
  out: Writable,
  printedAt: string,
): Promise<void> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    info: { Title: `Báo cáo chuyên cần ${r.name} ${vnDate(r.date)}`, Author: r.name },
  });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  doc.font('regular').fontSize(10).text(r.districtName.toUpperCase(), { align: 'left' });
  doc.font('bold').text(r.name.toUpperCase());
  doc.moveDown();
  doc.font('bold').fontSize(15).text('BÁO CÁO CHUYÊN CẦN HỌC SINH', { align: 'center' });
  doc
    .font('regular')
    .fontSize(11)
    .text(`Ngày ${vnDate(r.date)}${r.schoolDay ? '' : ' — không phải ngày học'}`, { align: 'center' });
  if (r.revision !== null)
    doc
      .fontSize(9)
      .text(
        `Bản số ${r.revision}${r.submittedAt ? `, đã gửi Phòng lúc ${r.submittedAt.slice(11, 16)} ${vnDate(r.submittedAt.slice(0, 10))}` : ''}${r.amended ? ' (đã điều chỉnh)' : ''}`,
        { align: 'center' },
      );
  doc.moveDown();

  const table = (headers: string[], rows: string[][], widths: number[]) => {
    const x0 = left;
    const rowHeight = 16;
    const draw = (cells: string[], bold: boolean) => {
      if (doc.y + rowHeight > doc.page.height - doc.page.margins.bottom) doc.addPage();
      const y = doc.y;
      let x = x0;
      doc.font(bold ? 'bold' : 'regular').fontSize(9);
      cells.forEach((c, i) => {
        const w = widths[i]!;
        doc.rect(x, y, w, rowHeight).stroke('#999999');
        doc.fillColor('black').text(c, x + 3, y + 4, {
          width: w - 6,
          height: rowHeight - 4,
          lineBreak: false,
          ellipsis: true,
          align: i === 0 ? 'left' : 'right',
        });
        x += w;
      });
      doc.x = x0;
      doc.y = y + rowHeight;
    };
    draw(headers, true);
    for (const row of rows) draw(row, false);
    doc.moveDown();
  };

  const first = width - 6 * 58;
  const widths = [first, 58, 58, 58, 58, 58, 58];
  table(
    ['Lớp', ...COUNT_HEADERS],
    [...r.classes.map((c) => [c.name, ...counts(c)]), ['Toàn trường', ...counts(r.totals)]],
    widths,
  );

  const list = (
    heading: string,
    rows: SchoolDailyReport['absentees'],
    detail: (s: SchoolDailyReport['absentees'][number]) => string,
  ) => {
    doc.font('bold').fontSize(11).text(`${heading} (${rows.length})`, left);
    doc.font('regular').fontSize(9);
    if (!rows.length) doc.text('Không có.');
    rows.forEach((s, i) =>
      doc.text(`${i + 1}. ${s.name} — lớp ${s.className}${detail(s) ? ` — ${detail(s)}` : ''}`),
    );
    doc.moveDown();
  };
  list(
    'Học sinh vắng',
    r.absentees,
    (s) => `${s.status === 'excused' ? 'có phép' : 'không phép'}${s.reason ? `: ${s.reason}` : ''}`,
  );
  list('Học sinh đi muộn', r.lateArrivals, (s) => (s.firstIn ? `đến lúc ${s.firstIn.slice(11, 16)}` : ''));
  if (r.offlineTerminals.length) {
    doc.font('bold').fontSize(11).text(`Thiết bị mất kết nối (${r.offlineTerminals.length})`);
    doc.font('regular').fontSize(9);
    for (const t of r.offlineTerminals) doc.text(`${t.gatewayId}${t.terminal ? ` / ${t.terminal}` : ''}`);
    doc.moveDown();
  }

  if (doc.y > doc.page.height - 160) doc.addPage();
  doc.moveDown(2);
  const signX = left + width / 2;
  doc.font('regular').fontSize(10).text(`Ngày in: ${printedAt}`, left, doc.y);
  const y = doc.y + 10;
  doc.font('bold').text('HIỆU TRƯỞNG', signX, y, { width: width / 2, align: 'center' });
  doc
    .font('regular')
    .fontSize(9)
    .text('(Ký, ghi rõ họ tên và đóng dấu)', signX, doc.y, { width: width / 2, align: 'center' });
  doc.end();
  await done;
}
