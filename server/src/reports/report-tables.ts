/**
 * The tables the exports are made of: the same rows as the JSON reports, with Vietnamese headers.
 * Minimum personal data: a school's file lists students by name and class only (no codes, birth
 * dates, guardians).
 */
import type { DistrictDailyReport, PeriodReport, SchoolDailyReport } from '@rfid/protocol';
import { vnDate } from '../attendance/attendance-rules.js';
import { asciiFileName, type ReportColumn, type ReportTable } from './writers/report-table.js';

type Counts = {
  enrolled: number;
  present: number;
  late: number;
  absent: number;
  excused: number;
  pending: number;
};

function countColumns<R extends Counts>(): ReportColumn<R>[] {
  return [
    { header: 'Sĩ số', type: 'int', width: 9, value: (r) => r.enrolled },
    { header: 'Có mặt', type: 'int', width: 9, value: (r) => r.present },
    { header: 'Đi muộn', type: 'int', width: 9, value: (r) => r.late },
    { header: 'Vắng không phép', type: 'int', width: 16, value: (r) => r.absent },
    { header: 'Vắng có phép', type: 'int', width: 13, value: (r) => r.excused },
    { header: 'Chưa rõ', type: 'int', width: 9, value: (r) => r.pending },
  ];
}

/** One row per class, then per grade, then the school; then one row per absent or late student. */
export function schoolDayTable(r: SchoolDailyReport): ReportTable<SchoolRow> {
  const rows: SchoolRow[] = [
    ...r.classes.map((c) => ({
      kind: 'Lớp',
      ...c,
      student: null,
      status: null,
      reason: null,
      firstIn: null,
    })),
    ...r.grades.map((g) => ({
      kind: 'Khối',
      name: g.grade === null ? '—' : `Khối ${g.grade}`,
      ...g,
      student: null,
      status: null,
      reason: null,
      firstIn: null,
    })),
    {
      kind: 'Toàn trường',
      name: r.name,
      ...r.totals,
      student: null,
      status: null,
      reason: null,
      firstIn: null,
    },
    ...[...r.absentees, ...r.lateArrivals].map((s) => ({
      kind: 'Học sinh',
      name: s.className,
      enrolled: null,
      present: null,
      late: null,
      absent: null,
      excused: null,
      pending: null,
      student: s.name,
      status: s.status === 'excused' ? 'Vắng có phép' : s.status === 'absent' ? 'Vắng không phép' : 'Đi muộn',
      reason: s.reason,
      firstIn: s.firstIn,
    })),
  ];
  const n = (k: keyof Counts) => (x: SchoolRow) => x[k];
  return {
    title: `Báo cáo chuyên cần ngày ${vnDate(r.date)} — ${r.name} — ${r.districtName}${r.revision ? ` — bản ${r.revision}` : ''}`,
    fileName: asciiFileName(`bao-cao-${r.name}-${r.date}`),
    sheet: vnDate(r.date).replace(/\//g, '-'),
    columns: [
      { header: 'Loại', type: 'text', width: 12, value: (x) => x.kind },
      { header: 'Lớp / Khối', type: 'text', width: 18, value: (x) => x.name },
      { header: 'Sĩ số', type: 'int', width: 9, value: n('enrolled') },
      { header: 'Có mặt', type: 'int', width: 9, value: n('present') },
      { header: 'Đi muộn', type: 'int', width: 9, value: n('late') },
      { header: 'Vắng không phép', type: 'int', width: 16, value: n('absent') },
      { header: 'Vắng có phép', type: 'int', width: 13, value: n('excused') },
      { header: 'Chưa rõ', type: 'int', width: 9, value: n('pending') },
      { header: 'Học sinh', type: 'text', width: 26, value: (x) => x.student },
      { header: 'Tình trạng', type: 'text', width: 16, value: (x) => x.status },
      { header: 'Lý do', type: 'text', width: 30, value: (x) => x.reason },
      { header: 'Giờ đến', type: 'datetime', width: 17, value: (x) => x.firstIn },
    ],
    rows,
  };
}

interface SchoolRow {
  kind: string;
  name: string;
  enrolled: number | null;
  present: number | null;
  late: number | null;
  absent: number | null;
  excused: number | null;
  pending: number | null;
  student: string | null;
  status: string | null;
  reason: string | null;
  firstIn: string | null;
}

type DistrictRow = DistrictDailyReport['schools'][number];

/** One row per school of the district, then the district total. */
export function districtDayTable(r: DistrictDailyReport): ReportTable<DistrictRow> {
  const total: DistrictRow = {
    schoolId: '',
    name: 'Tổng cộng',
    code: '',
    schoolDay: true,
    ...r.totals,
    submittedAt: null,
    revision: null,
    submittedRevision: null,
    amended: r.totals.amended > 0,
    delivery: [],
    offlineTerminals: r.schools.reduce((a, s) => a + s.offlineTerminals, 0),
  };
  return {
    title: `Báo cáo chuyên cần ngày ${vnDate(r.date)} — ${r.name} — đã gửi ${r.totals.submitted}/${r.totals.schools} trường`,
    fileName: asciiFileName(`bao-cao-${r.name}-${r.date}`),
    sheet: vnDate(r.date).replace(/\//g, '-'),
    columns: [
      { header: 'Mã trường', type: 'text', width: 12, value: (x) => x.code },
      { header: 'Trường', type: 'text', width: 32, value: (x) => x.name },
      ...countColumns<DistrictRow>(),
      { header: 'Đã gửi lúc', type: 'datetime', width: 17, value: (x) => x.submittedAt },
      { header: 'Bản', type: 'int', width: 6, value: (x) => x.revision },
      { header: 'Đã điều chỉnh', type: 'text', width: 13, value: (x) => (x.amended ? 'x' : '') },
      { header: 'Thiết bị mất kết nối', type: 'int', width: 12, value: (x) => x.offlineTerminals },
    ],
    rows: [...r.schools, total],
  };
}

interface ProvinceRow extends Counts {
  name: string;
  schools: number;
  submitted: number;
  missing: number;
  amended: number;
}

export function provinceDayTable(r: {
  date: string;
  totals: Omit<ProvinceRow, 'name'>;
  districts: ProvinceRow[];
}): ReportTable<ProvinceRow> {
  return {
    title: `Báo cáo chuyên cần toàn tỉnh ngày ${vnDate(r.date)} — đã gửi ${r.totals.submitted}/${r.totals.schools} trường`,
    fileName: `bao-cao-tinh-${r.date}`,
    sheet: vnDate(r.date).replace(/\//g, '-'),
    columns: [
      { header: 'Phòng GD&ĐT', type: 'text', width: 32, value: (x) => x.name },
      { header: 'Số trường', type: 'int', width: 10, value: (x) => x.schools },
      { header: 'Đã gửi', type: 'int', width: 9, value: (x) => x.submitted },
      { header: 'Chưa gửi', type: 'int', width: 9, value: (x) => x.missing },
      { header: 'Đã điều chỉnh', type: 'int', width: 13, value: (x) => x.amended },
      ...countColumns<ProvinceRow>(),
    ],
    rows: [...r.districts, { name: 'Tổng cộng', ...r.totals }],
  };
}

type PeriodRow = PeriodReport['rows'][number];

export function periodTable(
  r: PeriodReport,
): ReportTable<PeriodRow | (PeriodReport['totals'] & { id: string; name: string })> {
  type Row = PeriodRow | (PeriodReport['totals'] & { id: string; name: string });
  const students = r.level === 'class';
  const columns: ReportColumn<Row>[] = [
    {
      header: students ? 'Học sinh' : r.level === 'district' ? 'Trường' : 'Lớp',
      type: 'text',
      width: 30,
      value: (x) => x.name,
    },
    ...(students
      ? []
      : [
          {
            header: 'Số học sinh',
            type: 'int' as const,
            width: 11,
            value: (x: Row) => ('students' in x ? x.students : null),
          },
        ]),
    { header: 'Số buổi học', type: 'int', width: 11, value: (x) => x.days },
    { header: 'Có mặt', type: 'int', width: 9, value: (x) => x.present },
    { header: 'Đi muộn', type: 'int', width: 9, value: (x) => x.late },
    { header: 'Vắng có phép', type: 'int', width: 13, value: (x) => x.absentExcused },
    { header: 'Vắng không phép', type: 'int', width: 16, value: (x) => x.absentUnexcused },
    { header: 'Tỉ lệ chuyên cần', type: 'rate', width: 15, value: (x) => x.attendanceRate },
    {
      header: students ? 'Vắng thường xuyên' : 'Số HS vắng thường xuyên',
      type: students ? 'text' : 'int',
      width: 18,
      value: (x) => (typeof x.chronic === 'boolean' ? (x.chronic ? 'x' : '') : x.chronic),
    },
  ];
  if (students) {
    columns.push(
      {
        header: 'Vắng cả năm học',
        type: 'int',
        width: 15,
        value: (x) => ('absentInSchoolYear' in x ? x.absentInSchoolYear : null),
      },
      {
        header: 'Nguy cơ lưu ban (>45 buổi)',
        type: 'text',
        width: 22,
        value: (x) => ('promotionAtRisk' in x ? (x.promotionAtRisk ? 'x' : '') : null),
      },
    );
  }
  return {
    title: `Báo cáo chuyên cần ${vnDate(r.from)} – ${vnDate(r.to)} — ${r.name}`,
    fileName: asciiFileName(`chuyen-can-${r.name}-${r.from}-${r.to}`),
    sheet: 'Chuyên cần',
    columns,
    rows: [...r.rows, { ...r.totals, id: '', name: 'Tổng cộng' }],
  };
}
