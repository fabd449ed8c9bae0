/**
 * Imports over HTTP from the sample spreadsheets (demo/samples, UTF-8 with BOM): dry run, apply,
 * idempotent re-import, the quirks of real exports, row-numbered errors with nothing written,
 * XLSX, card assignments, scope, and the audit entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startTestServer, type TestServer } from './support/test-server.js';
import { asAdmin, login, type ApiClient } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { benchSchoolsCsv, benchStudentsCsv } from '../src/bench/import-bench.js';

const samples = path.resolve(import.meta.dirname, '../..', 'demo/samples');
const read = (f: string) => fs.readFileSync(path.join(samples, f));
const CSV = { 'content-type': 'text/csv; charset=utf-8' };

describe('imports', () => {
  let server: TestServer;
  let admin: ApiClient;
  let db: Database;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params))[0]!.n);

  beforeAll(async () => {
    server = await startTestServer();
    admin = await asAdmin(server);
    db = server.app.get(Database);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('seeds the samples: districts, schools, then students with a dry run first', async () => {
    const d = await admin.post('/imports/districts', read('districts.csv'), CSV);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ applied: true, rows: 10, created: { districts: 10 } });
    const s = await admin.post('/imports/schools', read('schools.csv'), CSV);
    expect(s.body).toMatchObject({ applied: true, rows: 4, created: { schools: 4 } });
    const schools = (await admin.get('/schools')).body as {
      code: string;
      districtId: string;
      timeZone: string;
      onTimeUntil: string;
    }[];
    expect(schools.map((x) => x.code)).toEqual(['KT0001', 'KT0002', 'KT0003', 'KT0004']);

    const dry = await admin.post('/imports/students?dryRun=true', read('students.csv'), CSV);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      dryRun: true,
      applied: false,
      rows: 255,
      errorCount: 0,
      created: { students: 255, guardians: 255, cards: 255 },
    });
    expect(await count('SELECT count(*) AS n FROM students')).toBe(0);

    const applied = await admin.post('/imports/students', read('students.csv'), CSV);
    expect(applied.body).toMatchObject({
      applied: true,
      rows: 255,
      created: { students: 255, guardians: 255, cards: 255 },
    });
    expect(applied.body.created.classes).toBe(34);
    expect(await count('SELECT count(*) AS n FROM students')).toBe(255);
    expect(await count('SELECT count(*) AS n FROM card_keys')).toBeGreaterThanOrEqual(255);
    // "Y Liên" stays one whole name; the W26-printed card resolves to a 24-bit key.
    const [yLien] = await db.query<{ name: string; text: string; phone: string }>(
      `SELECT st.name, c.text, g.phone FROM students st JOIN cards c ON c.student_id = st.id JOIN student_guardians sg ON sg.student_id = st.id JOIN guardians g ON g.id = sg.guardian_id WHERE st.student_code = '8200000227'`,
    );
    expect(yLien).toEqual({ name: 'Y Liên', text: 'em4100:24:B733F5', phone: '0324876735' });
    const audit = (await admin.get('/audit?action=import.students&limit=1')).body as {
      actor: string;
      details: { rows: number };
    }[];
    expect(audit[0]).toMatchObject({ actor: 'user:admin', details: { rows: 255 } });
  });

  it('re-importing the same file changes nothing and makes no duplicates', async () => {
    const again = await admin.post('/imports/students', read('students.csv'), CSV);
    expect(again.body).toMatchObject({
      applied: true,
      created: { students: 0, guardians: 0, cards: 0, classes: 0 },
      updated: { students: 0, guardians: 0 },
      unchanged: { students: 255, cards: 255 },
    });
    expect(await count('SELECT count(*) AS n FROM students')).toBe(255);
    expect(await count('SELECT count(*) AS n FROM guardians')).toBe(255);
    expect(await count(`SELECT count(*) AS n FROM cards`)).toBe(255);
  });

  it('survives real-export quirks: NFD, +84 phones, blanks, duplicated rows, "Lớp 6a"', async () => {
    const lines = read('students.csv').toString('utf8').split(/\r?\n/).filter(Boolean);
    const header = lines[0]!;
    const row = (i: number) => lines[i]!.split(',');
    const r1 = row(1); // 8200000012 Nguyễn Văn Khang, 6A
    r1[3] = `${r1[3]!.normalize('NFD')}  `;
    r1[7] = 'Lớp 6b'; // moved to 6B
    r1[9] = '+84 30 421 2036';
    const messy = [header, r1.join(','), r1.join(','), lines[2]!.replace(',6A,', ',6a,')].join('\r\n');
    const res = await admin.post('/imports/students', Buffer.from(messy), CSV);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rows: 3,
      duplicates: 1,
      created: { students: 0 },
      updated: { students: 1 },
      unchanged: { students: 1 },
    });
    const [s] = await db.query<{ name: string; class: string; phone: string }>(
      `SELECT st.name, c.name AS class, g.phone FROM students st JOIN classes c ON c.id = st.class_id JOIN student_guardians sg ON sg.student_id = st.id JOIN guardians g ON g.id = sg.guardian_id WHERE st.student_code = '8200000012'`,
    );
    expect(s).toEqual({ name: 'Nguyễn Văn Khang', class: '6B', phone: '0304212036' });
    expect(s!.name).toBe(s!.name.normalize('NFC'));
  });

  it('rejects a malformed file with row numbers and writes nothing (422), or reports it in a dry run', async () => {
    const header = 'Mã trường,Mã định danh,Họ và tên,Ngày sinh,Lớp,Số điện thoại,Số in trên thẻ';
    const body = [
      header,
      'KT0001,9900000001,Học Sinh Mới,01/02/2015,6A,,0001112223', // row 2: fine
      'KT0001,9900000002,Học Sinh Hai,31/02/2015,6A,,', // row 3: no 31 February
      'KT9999,9900000003,Học Sinh Ba,01/02/2015,6A,,', // row 4: unknown school
      'KT0001,9900000004,Học Sinh Bốn,01/02/2015,6A,,12AB', // row 5: bad card
      'KT0001,9900000001,Học Sinh Khác,01/02/2015,6B,,', // row 6: same code, other data
      'KT0001,9900000005,,01/02/2015,6A,,', // row 7: no name
      'KT0001,9900000006,Học Sinh Sáu,01/02/2015,6A,,1899986535', // row 8: card of Nguyễn Văn Khang
    ].join('\n');
    const res = await admin.post('/imports/students', Buffer.from(body), CSV);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'bad_import', applied: false, errorCount: 6 });
    expect(res.body.message).toContain('nothing was imported');
    const rows = (res.body.errors as { row: number; column: string; message: string }[]).map((e) => [
      e.row,
      e.column,
    ]);
    expect(rows).toEqual([
      [3, 'birthDate'],
      [4, 'schoolCode'],
      [5, 'card'],
      [6, 'studentCode'],
      [7, 'name'],
      [8, 'card'],
    ]);
    expect(res.body.errors[5].message).toContain('Nguyễn Văn Khang');
    expect(await count(`SELECT count(*) AS n FROM students WHERE student_code LIKE '99%'`)).toBe(0);
    const dry = await admin.post('/imports/students?dryRun=true', Buffer.from(body), CSV);
    expect(dry.status).toBe(200);
    expect(dry.body.errorCount).toBe(6);
    const noCols = await admin.post('/imports/students', Buffer.from('a,b\n1,2\n'), CSV);
    expect(noCols.status).toBe(400);
    expect(noCols.body.message).toContain('missing column');
    const audit = (await admin.get('/audit?action=import.students.rejected&limit=1')).body as unknown[];
    expect(audit).toHaveLength(1);
  });

  it('imports XLSX (multipart), with numbers and dates as Excel stores them', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Danh sách');
    ws.addRow([
      'STT',
      'Mã trường',
      'Mã định danh',
      'Họ và tên',
      'Ngày sinh',
      'Lớp',
      'Họ tên cha/mẹ/người giám hộ',
      'Số điện thoại',
      'Số in trên thẻ',
    ]);
    ws.addRow([
      1,
      'KT0002',
      8800000001,
      'A Sang',
      new Date(Date.UTC(2016, 4, 9)),
      '1A',
      'Y Hoa',
      912345678,
      '068,10369',
    ]);
    ws.addRow([
      2,
      'KT0002',
      8800000002,
      'Đinh Thị Mai',
      '09/05/2016',
      'Lớp 1a',
      'Đinh Văn Nam',
      '0987654321',
      4467393,
    ]);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const form = new FormData();
    form.append(
      'file',
      new Blob([xlsx], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
      'hs.xlsx',
    );
    const res = await admin.post('/imports/students', form);
    expect(res.body.errors).toEqual([]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ format: 'xlsx', rows: 2, created: { students: 2, cards: 2 } });
    const got = await db.query<{
      student_code: string;
      name: string;
      birth_date: string;
      phone: string;
      text: string;
    }>(
      `SELECT st.student_code, st.name, st.birth_date::text, g.phone, c.text FROM students st JOIN student_guardians sg ON sg.student_id = st.id JOIN guardians g ON g.id = sg.guardian_id JOIN cards c ON c.student_id = st.id WHERE st.student_code LIKE '88%' ORDER BY 1`,
    );
    expect(got).toEqual([
      {
        student_code: '8800000001',
        name: 'A Sang',
        birth_date: '2016-05-09',
        phone: '0912345678',
        text: 'em4100:24:442881',
      },
      {
        student_code: '8800000002',
        name: 'Đinh Thị Mai',
        birth_date: '2016-05-09',
        phone: '0987654321',
        text: 'em4100:32:00442AC1',
      },
    ]);
  });

  it('a school user imports only into its own school; card assignments replace the old card', async () => {
    const [kt1] = await db.query<{ id: string }>(`SELECT id FROM schools WHERE code = 'KT0001'`);
    await admin.post('/users', {
      username: 'kt0001',
      password: 'Kon-Tum-trường-1',
      role: 'school',
      schoolId: kt1!.id,
    });
    const staff = await login(server, 'kt0001', 'Kon-Tum-trường-1');
    const other = await staff.post(
      '/imports/students',
      Buffer.from('Mã trường,Mã định danh,Họ và tên,Lớp\nKT0002,7700000001,Ai Đó,1A\n'),
      CSV,
    );
    expect(other.status).toBe(422);
    expect(other.body.errors[0]).toMatchObject({
      row: 2,
      column: 'schoolCode',
      message: 'school KT0002 not found',
    });
    const cards = await staff.post(
      '/imports/cards',
      Buffer.from(
        'Mã định danh;Số in trên thẻ\n8200000057;0123456789\n8200000145;064,18736\n8800000001;0000000001\n',
      ),
      CSV,
    );
    expect(cards.status).toBe(422); // 8800000001 is a student of KT0002: not in this user's scope
    expect(cards.body.errors).toEqual([
      { row: 4, column: 'studentCode', message: 'student 8800000001 not found' },
    ]);
    const ok = await staff.post(
      '/imports/cards',
      Buffer.from('Mã định danh;Số in trên thẻ\n8200000057;0123456789\n8200000145;064,18736\n'),
      CSV,
    );
    expect(ok.body).toMatchObject({ applied: true, created: { cards: 1 }, unchanged: { cards: 1 } });
    const cardsOf = await db.query<{ text: string; status: string }>(
      `SELECT c.text, c.status FROM cards c JOIN students st ON st.id = c.student_id WHERE st.student_code = '8200000057' ORDER BY c.created_at`,
    );
    expect(cardsOf.map((c) => c.status)).toEqual(['replaced', 'active']);
    expect(
      await count(
        `SELECT count(*) AS n FROM card_keys k JOIN cards c ON c.id = k.card_id WHERE c.status <> 'active'`,
      ),
    ).toBe(0);
  });

  it('moves a student to another school with its card, and reports a blank school code', async () => {
    const moved = await admin.post(
      '/imports/students',
      Buffer.from(
        'Mã trường,Mã định danh,Họ và tên,Lớp\nKT0003,8200000057,Dương Hữu Huy,7A\n,8200000058,Ai Đó,7A\n',
      ),
      CSV,
    );
    expect(moved.status).toBe(422);
    expect(moved.body.errors).toEqual([
      { row: 3, column: 'schoolCode', message: 'the school code (Mã trường) is empty' },
    ]);
    const ok = await admin.post(
      '/imports/students',
      Buffer.from('Mã trường,Mã định danh,Họ và tên,Lớp\nKT0003,8200000057,Dương Hữu Huy,7A\n'),
      CSV,
    );
    expect(ok.body).toMatchObject({ applied: true, updated: { students: 1 } });
    const [row] = await db.query<{ school: string; card_school: string; key_schools: string[] }>(
      `SELECT s.code AS school, cs.code AS card_school, (SELECT array_agg(DISTINCT k.school_id::text) FROM card_keys k WHERE k.card_id = c.id) AS key_schools
         FROM students st JOIN schools s ON s.id = st.school_id JOIN cards c ON c.student_id = st.id AND c.status = 'active' JOIN schools cs ON cs.id = c.school_id
        WHERE st.student_code = '8200000057'`,
    );
    const [kt3] = await db.query<{ id: string }>(`SELECT id FROM schools WHERE code = 'KT0003'`);
    expect(row).toEqual({ school: 'KT0003', card_school: 'KT0003', key_schools: [kt3!.id] });
  });

  it('streams progress lines for a large file when asked for NDJSON', async () => {
    const s = benchSchoolsCsv(3);
    await admin.post('/imports/districts', s.districtsCsv, CSV);
    await admin.post('/imports/schools', s.schoolsCsv, CSV);
    const body = Buffer.concat([...benchStudentsCsv(12_000, s.codes, { codeBase: 5_000_000_000 })]);
    const res = await fetch(`${server.httpUrl}/api/v1/imports/students?dryRun=true`, {
      method: 'POST',
      headers: { ...CSV, accept: 'application/x-ndjson', authorization: `Bearer ${admin.token}` },
      body,
    });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            progress?: { rows: number };
            report?: { rows: number; created: { students: number } };
          },
      );
    expect(lines.filter((l) => l.progress).map((l) => l.progress!.rows)).toEqual([5000, 10000]);
    expect(lines.at(-1)!.report).toMatchObject({ rows: 12_000, created: { students: 12_000 } });
  });
});
