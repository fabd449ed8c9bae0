/**
 * Header names → fields. Headers are matched without diacritics, case, spaces or punctuation, so
 * `Mã định danh`, `MA DINH DANH`, `ma_dinh_danh` and an NFD-encoded `Mã định danh` are one column.
 */
export function headerKey(h: string): string {
  return h
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export type StudentField =
  | 'schoolCode'
  | 'studentCode'
  | 'name'
  | 'birthDate'
  | 'gender'
  | 'ethnicity'
  | 'className'
  | 'guardianName'
  | 'guardianPhone'
  | 'card';
export type SchoolField = 'code' | 'name' | 'district' | 'level' | 'onTimeUntil' | 'timeZone';
export type DistrictField = 'code' | 'name';

const STUDENT_ALIASES: Record<StudentField, string[]> = {
  schoolCode: ['Mã trường', 'school code', 'schoolCode', 'ma truong'],
  studentCode: [
    'Mã định danh',
    'Mã học sinh',
    'Mã HS',
    'Mã định danh học sinh',
    'student code',
    'studentCode',
    'code',
  ],
  name: ['Họ và tên', 'Họ tên', 'Họ tên học sinh', 'Tên học sinh', 'name', 'full name', 'student name'],
  birthDate: ['Ngày sinh', 'birth date', 'birthDate', 'date of birth', 'dob'],
  gender: ['Giới tính', 'gender', 'sex'],
  ethnicity: ['Dân tộc', 'ethnicity'],
  className: ['Lớp', 'Tên lớp', 'class', 'className', 'class name'],
  guardianName: [
    'Họ tên cha/mẹ/người giám hộ',
    'Họ tên cha mẹ',
    'Người giám hộ',
    'Phụ huynh',
    'Họ tên phụ huynh',
    'guardian',
    'guardian name',
    'guardianName',
    'parent',
  ],
  guardianPhone: [
    'Số điện thoại',
    'Điện thoại',
    'SĐT',
    'Số điện thoại phụ huynh',
    'phone',
    'guardian phone',
    'guardianPhone',
    'mobile',
  ],
  card: ['Số in trên thẻ', 'Số thẻ', 'Mã thẻ', 'Thẻ', 'card', 'card number', 'printed card', 'cardNumber'],
};

const SCHOOL_ALIASES: Record<SchoolField, string[]> = {
  code: ['Mã trường', 'school code', 'code'],
  name: ['Tên trường', 'name', 'school name'],
  district: ['Phòng GD&ĐT', 'Phòng giáo dục', 'Mã phòng', 'district', 'district code', 'district name'],
  level: ['Cấp học', 'level'],
  onTimeUntil: ['Giờ vào học', 'bell', 'on time until', 'onTimeUntil', 'start time'],
  timeZone: ['Múi giờ', 'time zone', 'timeZone', 'tz'],
};

const DISTRICT_ALIASES: Record<DistrictField, string[]> = {
  code: ['Mã phòng', 'district code', 'code'],
  name: ['Tên phòng giáo dục', 'Tên phòng', 'name', 'district name'],
};

export const FIELD_ALIASES = {
  students: STUDENT_ALIASES,
  schools: SCHOOL_ALIASES,
  districts: DISTRICT_ALIASES,
  cards: { studentCode: STUDENT_ALIASES.studentCode, card: STUDENT_ALIASES.card },
};
export type ImportKind = keyof typeof FIELD_ALIASES;
export const IMPORT_KINDS = Object.keys(FIELD_ALIASES) as ImportKind[];

/** Column index of each field found in the header; unknown headers (STT …) are ignored. */
export function mapHeader<F extends string>(
  header: string[],
  aliases: Record<F, string[]>,
): Partial<Record<F, number>> {
  const byKey = new Map<string, F>();
  for (const [field, names] of Object.entries(aliases) as [F, string[]][])
    for (const n of names) if (!byKey.has(headerKey(n))) byKey.set(headerKey(n), field);
  const out: Partial<Record<F, number>> = {};
  header.forEach((h, i) => {
    const f = byKey.get(headerKey(h));
    if (f !== undefined && out[f] === undefined) out[f] = i;
  });
  return out;
}
