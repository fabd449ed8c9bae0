/**
 * The other roles' views in real Chromium: a parent sees only their own child; an admin imports
 * students through the page (dry-run preview with row errors, then the import, and the school
 * view shows them); the school, district and province views pass axe with screenshots, and show
 * "not available" (not a crash) while the reports API is missing.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DistrictDailyReport } from '@rfid/protocol';
import type { Page } from 'playwright-core';
import { TEST_ADMIN_PASSWORD } from '../support/test-server.js';
import {
  SKIP_REASON,
  startRig,
  createUser,
  signIn,
  expectText,
  checkPage,
  eventually,
  phoneShot,
  apiAs,
  type Rig,
} from './harness.js';

const describeBrowser = SKIP_REASON ? describe.skip : describe;
if (SKIP_REASON) console.warn(`web roles e2e skipped: ${SKIP_REASON}`);
const T = 90_000;

/** Console errors that are the browser reporting an answer the page expects (a 404 of an API still being built). */
const expected404 = (e: string) => e.includes('404');

describeBrowser('role views (Chromium)', () => {
  let rig: Rig;
  let schoolCode: string;
  let guardianId: string;

  beforeAll(async () => {
    rig = await startRig(3);
    guardianId = (
      await rig.server.directory.addGuardian(rig.school.students[0]!.id, {
        name: 'Nguyễn Thị Mai',
        phone: '0912345670',
        channels: ['sms'],
      })
    ).id;
    schoolCode = (await rig.admin.get(`/schools/${rig.school.schoolId}`)).body.code;
    await createUser(rig.admin, {
      username: 'me.an',
      role: 'parent',
      studentIds: [rig.school.students[0]!.id],
      guardianIds: [guardianId],
    });
    await createUser(rig.admin, { username: 'hieu.truong', role: 'school', schoolId: rig.school.schoolId });
    await createUser(rig.admin, {
      username: 'phong.gd',
      role: 'district',
      districtId: rig.school.districtId,
    });
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it(
    'shows a parent only their own child, today and the month',
    async () => {
      const child = rig.school.students[0]!;
      await rig.tap(child.card);
      const page = await rig.newPage({ phone: true });
      await signIn(page, 'me.an');
      expect(new URL(page.url()).pathname).toBe('/parent');
      await page.getByTestId('child').first().waitFor();
      await expect(page.getByTestId('child').count()).resolves.toBe(1);
      await expect(page.getByTestId('child').getAttribute('data-student')).resolves.toBe(child.id);
      await expectText(page.getByTestId('parent'), child.name);
      await expectText(page.getByTestId('today'), /Có mặt · Đến trường lúc \d\d:\d\d/);
      const text = (await page.getByTestId('parent').textContent()) ?? '';
      for (const other of rig.school.students.slice(1)) expect(text).not.toContain(other.name);
      // Not the school's board, nor another child's data.
      await page.goto(`/board/${rig.school.classId}`);
      await expectText(page.locator('main'), 'Không tìm thấy');
      const parent = await apiAs(rig.server, 'me.an');
      expect((await parent.get(`/students/${rig.school.students[1]!.id}`)).status).toBe(404);
      await page.goto('/parent');
      await page.getByTestId('child').waitFor();
      await checkPage(page, 'parent');
      // Consent is the parent's own (recorded as `parent_app`), per channel; events they choose.
      const choices = page.getByTestId('consent');
      const consentOf = async () =>
        (await parent.get(`/guardians/${guardianId}/consents`)).body as {
          inForce: string[];
          records: { channel: string; granted: boolean; method: string }[];
        };
      expect((await consentOf()).inForce).toEqual([]);
      await choices.getByLabel('Tin nhắn SMS').check();
      await eventually(async () => (await consentOf()).inForce.includes('sms'), 'SMS consent recorded');
      expect((await consentOf()).records).toEqual([
        expect.objectContaining({ channel: 'sms', granted: true, method: 'parent_app' }),
      ]);
      await choices.getByLabel('ra về', { exact: true }).uncheck();
      await eventually(
        async () =>
          (
            (await parent.get(`/guardians/${guardianId}/notification-preferences`)).body as {
              optedOutEvents: string[];
            }
          ).optedOutEvents.includes('check_out'),
        'check-out opted out',
      );
      await page.reload();
      await expect(page.getByTestId('consent').getByLabel('Tin nhắn SMS').isChecked()).resolves.toBe(true);
      await expect(
        page.getByTestId('consent').getByLabel('ra về', { exact: true }).isChecked(),
      ).resolves.toBe(false);
      // Withdrawn: processing stops (nothing is in force), the record of both stays.
      await page.getByTestId('consent').getByLabel('Tin nhắn SMS').uncheck();
      await eventually(async () => !(await consentOf()).inForce.includes('sms'), 'SMS consent withdrawn');
      expect((await consentOf()).records.map((r) => r.granted)).toEqual(
        expect.arrayContaining([true, false]),
      );
      expect(rig.errors.get(page)).toEqual([]);
    },
    T,
  );

  it(
    'imports students through the admin page: preview with row errors, then the import',
    async () => {
      const page = await rig.newPage();
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      expect(new URL(page.url()).pathname).toBe('/province');
      await page.goto('/admin/import');
      const dir = mkdtempSync(path.join(tmpdir(), 'rfid-import-'));
      const header =
        'Mã trường,Mã định danh,Họ và tên,Ngày sinh,Lớp,Họ tên cha/mẹ/người giám hộ,Số điện thoại';
      const bad = path.join(dir, 'hoc-sinh-loi.csv');
      writeFileSync(
        bad,
        `\ufeff${header}\n${schoolCode},IMP-1,Phạm Minh Khôi,01/09/2015,6A,Phạm Văn Long,0912345678\n${schoolCode},IMP-2,,02/09/2015,6A,Đỗ Thị Mai,0987654321\n`,
      );
      await page.getByLabel('Loại dữ liệu').selectOption('students');
      await page.getByLabel('Tệp CSV hoặc XLSX').setInputFiles(bad);
      await page.getByRole('button', { name: 'Kiểm tra trước' }).click();
      const errors = page.getByTestId('import-errors');
      await errors.waitFor();
      await expectText(errors, '3'); // the spreadsheet row of the nameless student
      await expectText(page.getByTestId('import'), 'chưa có gì được ghi');
      await expect(page.getByRole('button', { name: 'Nhập', exact: true }).isDisabled()).resolves.toBe(true);

      const good = path.join(dir, 'hoc-sinh.csv');
      writeFileSync(
        good,
        `\ufeff${header}\n${schoolCode},IMP-1,Phạm Minh Khôi,01/09/2015,6A,Phạm Văn Long,0912345678\n${schoolCode},IMP-2,Đỗ Gia Hân,02/09/2015,6A,Đỗ Thị Mai,0987654321\n`,
      );
      await page.getByLabel('Tệp CSV hoặc XLSX').setInputFiles(good);
      await page.getByRole('button', { name: 'Kiểm tra trước' }).click();
      await expectText(page.getByTestId('import-status'), 'Tệp hợp lệ: 2 dòng');
      await page.getByRole('button', { name: 'Nhập', exact: true }).click();
      await expectText(page.getByTestId('import-status'), 'Đã nhập: 2 dòng');
      const students = (await rig.admin.get(`/schools/${rig.school.schoolId}/students`)).body as {
        name: string;
      }[];
      expect(students.map((s) => s.name)).toEqual(expect.arrayContaining(['Phạm Minh Khôi', 'Đỗ Gia Hân']));
      await checkPage(page, 'admin-import');
      expect(rig.errors.get(page)).toEqual([]);
    },
    T,
  );

  it(
    "shows the principal the school's classes, taps and gateway, with axe and screenshots",
    async () => {
      const page: Page = await rig.newPage();
      await signIn(page, 'hieu.truong');
      expect(new URL(page.url()).pathname).toBe(`/school/${rig.school.schoolId}`);
      await page.locator('[data-live="live"]').waitFor();
      const s = rig.school.students[1]!;
      await rig.tap(s.card);
      await expectText(page.getByTestId('feed'), s.name);
      await expectText(page.getByTestId('devices'), 'Cổng chính');
      await expectText(page.getByTestId('classes'), '6A');
      await checkPage(page, 'school');
      await phoneShot(rig, `/school/${rig.school.schoolId}`, 'school', 'hieu.truong', expected404);
      expect(rig.errors.get(page)!.filter((e) => !expected404(e))).toEqual([]);
    },
    T,
  );

  it(
    'shows the district and province views with a row per school and per district, from the reports API',
    async () => {
      const page = await rig.newPage();
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      await page.locator('main h1').waitFor();
      // The province: a row for the seeded school's district, linking to the district's day.
      const districtRow = page.locator(
        `[data-testid="report-table"] tr[data-row="${rig.school.districtId}"]`,
      );
      await districtRow.waitFor();
      await checkPage(page, 'province');
      await districtRow.getByRole('link').click();
      await page.waitForURL((u) => u.pathname === `/district/${rig.school.districtId}`);
      // The district: the school's row with its enrolment as the API counts it.
      const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
      const report = await rig.admin.get(`/districts/${rig.school.districtId}/reports/daily?date=${date}`);
      expect(report.status).toBe(200);
      const api = (report.body as DistrictDailyReport).schools;
      expect(api.map((r) => r.schoolId)).toEqual([rig.school.schoolId]);
      const schoolRow = page.locator(`[data-testid="report-table"] tr[data-row="${rig.school.schoolId}"]`);
      await expectText(schoolRow, api[0]!.name);
      // The table's numbers are the API's.
      for (const col of ['enrolled', 'present', 'late', 'absent', 'excused'] as const)
        await expectText(schoolRow.locator(`[data-col="${col}"]`), String(api[0]![col]));
      await checkPage(page, 'district');
      expect(rig.errors.get(page)!.filter((e) => !expected404(e))).toEqual([]);
      // A district officer lands on their own district's day; on a phone too.
      const officer = await rig.newPage();
      await signIn(officer, 'phong.gd');
      expect(new URL(officer.url()).pathname).toBe(`/district/${rig.school.districtId}`);
      await officer.locator(`[data-testid="report-table"] tr[data-row="${rig.school.schoolId}"]`).waitFor();
      await phoneShot(rig, `/district/${rig.school.districtId}`, 'district', 'phong.gd', expected404);
      await phoneShot(rig, '/parent', 'parent', 'me.an', expected404);
      // The province and the admin's import on a phone too (an admin with the test password).
      await createUser(rig.admin, { username: 'tinh.quantri', role: 'admin' });
      await phoneShot(rig, '/province', 'province', 'tinh.quantri', expected404);
      await phoneShot(rig, '/admin/import', 'admin-import', 'tinh.quantri', expected404);
    },
    T,
  );
});
