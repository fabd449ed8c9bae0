/**
 * The 50,000-row student import, for the benchmark (`npm run bench` owns the timing) and the e2e
 * test (which checks the result, not the time). Synthetic rows in the columns of the ministry
 * export, Vietnamese names, both printed card forms, guardians with phones.
 */
const FAMILY = [
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Huỳnh',
  'Phan',
  'Vũ',
  'Võ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Đức', 'Thanh', 'Ngọc', 'Hữu', 'Bảo', 'Khánh', 'Hoàng'];
const GIVEN = [
  'An',
  'Bình',
  'Chi',
  'Dũng',
  'Giang',
  'Hà',
  'Hạnh',
  'Huy',
  'Khang',
  'Lan',
  'Linh',
  'Long',
  'Mai',
  'Nam',
  'Ngân',
  'Nhi',
  'Phong',
  'Quang',
  'Sơn',
  'Trang',
  'Tuấn',
  'Uyên',
  'Yến',
];
const HIGHLAND = ['A Sang', 'Y Liên', 'A Lơi', 'Y Hoa', 'A Thuận', 'Y Nhung'];

export interface BenchSchools {
  districtsCsv: string;
  schoolsCsv: string;
  codes: string[];
}

/** `schools` schools (codes BENCH0001…) in one district. */
export function benchSchoolsCsv(schools: number): BenchSchools {
  const codes = Array.from({ length: schools }, (_, i) => `BENCH${String(i + 1).padStart(4, '0')}`);
  return {
    districtsCsv: '\ufeffMã phòng,Tên phòng giáo dục\nPGD-BENCH,Phòng GD&ĐT Benchmark\n',
    schoolsCsv: `\ufeffMã trường,Tên trường,Phòng GD&ĐT,Cấp học,Giờ vào học,Múi giờ\n${codes.map((c, i) => `${c},THCS Benchmark ${i + 1},PGD-BENCH,THCS,07:00,Asia/Ho_Chi_Minh`).join('\n')}\n`,
    codes,
  };
}

/** `rows` students spread over `schoolCodes`, as CSV (UTF-8 with BOM), streamed in chunks. */
export function* benchStudentsCsv(
  rows: number,
  schoolCodes: string[],
  opts: { codeBase?: number } = {},
): Generator<Buffer> {
  const base = opts.codeBase ?? 8_000_000_000;
  yield Buffer.from(
    '\ufeffSTT,Mã trường,Mã định danh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Lớp,Họ tên cha/mẹ/người giám hộ,Số điện thoại,Số in trên thẻ\n',
  );
  let chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    const school = i % schoolCodes.length;
    const k = Math.floor(i / schoolCodes.length);
    const grade = 6 + (k % 4);
    const klass = `${grade}${'ABCD'[(k >> 2) % 4]}`;
    const highland = i % 9 === 0;
    const name = highland
      ? HIGHLAND[i % HIGHLAND.length]!
      : `${FAMILY[i % 16]} ${MIDDLE[(i >> 4) % 10]} ${GIVEN[(i >> 3) % 23]}`;
    const guardian = highland
      ? HIGHLAND[(i + 1) % HIGHLAND.length]!
      : `${FAMILY[i % 16]} Văn ${GIVEN[(i >> 2) % 23]}`;
    // Card: school index in the upper byte of 32 bits, k in the low 24 bits → unique per school.
    const value = ((school & 0xff) * 0x1000000 + (k & 0xffffff)) >>> 0;
    const card =
      i % 3 === 0
        ? `"${String((value >> 16) & 0xff).padStart(3, '0')},${String(value & 0xffff).padStart(5, '0')}"`
        : String(value).padStart(10, '0');
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (i % 12)).padStart(2, '0');
    const phone = `09${String((i * 7919) % 100_000_000).padStart(8, '0')}`;
    chunk.push(
      `${i + 1},${schoolCodes[school]},${base + i},${name},${day}/${month}/${2011 + (k % 4)},${i % 2 ? 'Nữ' : 'Nam'},${highland ? 'Xơ Đăng' : 'Kinh'},${klass},${guardian},${phone},${card}`,
    );
    if (chunk.length === 2000) {
      yield Buffer.from(`${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length) yield Buffer.from(`${chunk.join('\n')}\n`);
}

export interface ImportTiming {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  status: number;
  report: Record<string, unknown>;
}

/**
 * Seeds `schools` schools over HTTP, then imports `rows` students in one POST (the body streamed),
 * and times only the students import. `token` is an admin's access token.
 */
export async function benchImport(
  httpUrl: string,
  token: string,
  rows = 50_000,
  schools = 80,
): Promise<ImportTiming> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'text/csv; charset=utf-8' };
  const s = benchSchoolsCsv(schools);
  for (const [kind, body] of [
    ['districts', s.districtsCsv],
    ['schools', s.schoolsCsv],
  ] as const) {
    const r = await fetch(`${httpUrl}/api/v1/imports/${kind}`, { method: 'POST', headers, body });
    if (r.status !== 200) throw new Error(`import ${kind}: ${r.status} ${await r.text()}`);
  }
  const gen = benchStudentsCsv(rows, s.codes);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = gen.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  const started = performance.now();
  const res = await fetch(`${httpUrl}/api/v1/imports/students`, {
    method: 'POST',
    headers,
    body,
    duplex: 'half',
  } as RequestInit);
  const report = (await res.json()) as Record<string, unknown>;
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, rowsPerSecond: rows / seconds, status: res.status, report };
}
