/**
 * The teacher's live class board in real Chromium against a real server, PostgreSQL, gateway and
 * simulated terminal: sign-in (name kept across reloads), a tap turning a student present within
 * 2 s, the live link cut and restored (the board catches up), manual marks with marker and
 * reason, "all the rest", recent days, new students without reload, another class's board
 * refused by URL, deep links and the favicon, axe and screenshots.
 */
import type { Page, WebSocketRoute } from 'playwright-core';
import {
  SKIP_REASON,
  startRig,
  createUser,
  signIn,
  expectText,
  eventually,
  checkPage,
  phoneShot,
  apiAs,
  type Rig,
} from './harness.js';

const describeBrowser = SKIP_REASON ? describe.skip : describe;
if (SKIP_REASON) console.warn(`web board e2e skipped: ${SKIP_REASON}`);

/** Per test: a loaded 2-core CI box runs axe and Chromium slowly. */
const T = 90_000;

describeBrowser('teacher live class board (Chromium)', () => {
  let rig: Rig;
  let page: Page;
  let otherClassId: string;
  const open = new Set<WebSocketRoute>();
  const held = new Set<WebSocketRoute>();
  let cut = false;

  beforeAll(async () => {
    rig = await startRig(4);
    const other = await rig.server.directory.createClass({
      schoolId: rig.school.schoolId,
      name: '6B',
      grade: 6,
    });
    otherClassId = other.id;
    await rig.server.directory.createStudent({
      schoolId: rig.school.schoolId,
      classId: other.id,
      studentCode: 'B-1',
      name: 'Trần Thị Bích',
    });
    await createUser(rig.admin, { username: 'co.lan', role: 'teacher', classIds: [rig.school.classId] });
    page = await rig.newPage();
    // The live link goes through a route the test can cut (and refuse to reopen) at will.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      // While cut, a new link is held open to nowhere (as a dead network would), and dropped when restored.
      if (cut) return void held.add(ws);
      ws.connectToServer();
      open.add(ws);
    });
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  const tile = (studentId: string) => page.locator(`li.tile[data-student="${studentId}"]`);
  const counter = (status: string) => page.locator(`.counter[data-status="${status}"] dd`);

  it(
    'serves the app at deep links and a favicon, but not over the API',
    async () => {
      const deep = await fetch(`${rig.server.httpUrl}/board/whatever?date=2026-11-23`, {
        headers: { accept: 'text/html' },
      });
      expect(deep.status).toBe(200);
      await expect(deep.text()).resolves.toContain('<div id="root">');
      const api = await fetch(`${rig.server.httpUrl}/api/v1/no-such-thing`, {
        headers: { accept: 'text/html' },
      });
      expect(api.status).toBe(404);
      expect((await fetch(`${rig.server.httpUrl}/favicon.ico`)).status).toBe(200);
      expect((await fetch(`${rig.server.httpUrl}/healthz`)).status).toBe(200);
    },
    T,
  );

  it(
    'refuses a wrong password in words, then signs the teacher in to their class board and keeps the name across a reload',
    async () => {
      const wrong = await rig.newPage();
      await wrong.goto('/');
      await wrong.waitForURL('**/login');
      await wrong.getByLabel('Tên đăng nhập').fill('co.lan');
      await wrong.getByLabel('Mật khẩu').fill('not-the-password-at-all');
      await wrong.getByRole('button', { name: 'Đăng nhập' }).click();
      await expectText(wrong.getByTestId('login-error'), 'Sai tên đăng nhập hoặc mật khẩu');
      // The browser logs the refused sign-in's 401 itself; nothing else may be logged.
      expect(rig.errors.get(wrong)!.filter((e) => !e.includes('401'))).toEqual([]);
      await wrong.context().close();
      await signIn(page, 'co.lan');
      expect(new URL(page.url()).pathname).toBe(`/board/${rig.school.classId}`);
      await expectText(page.locator('main h1'), 'Lớp 6A');
      await expectText(page.getByTestId('who'), 'co.lan');
      await expectText(counter('pending'), '4');
      await page.locator('[data-live="live"]').waitFor();
      await page.reload();
      await expectText(page.getByTestId('who'), 'co.lan');
      await expectText(page.locator('main h1'), 'Lớp 6A');
      await page.locator('[data-live="live"]').waitFor();
      await expect(page.locator('li.tile').count()).resolves.toBe(4);
    },
    T,
  );

  it(
    'turns a student present within 2 s of a tap on the terminal, without a reload',
    async () => {
      const s = rig.school.students[0]!;
      const t0 = Date.now();
      await rig.tap(s.card);
      await tile(s.id).and(page.locator('[data-status="present"]')).waitFor({ timeout: 2000 });
      expect(Date.now() - t0).toBeLessThan(2000);
      await expectText(tile(s.id), 'Có mặt');
      await expectText(tile(s.id), /Vào \d\d:\d\d/);
      await expectText(counter('present'), '1');
      await expectText(counter('pending'), '3');
    },
    T,
  );

  it(
    'shows a cut live link, and catches up once it is back (the snapshot is re-read)',
    async () => {
      cut = true;
      for (const ws of open) await ws.close();
      open.clear();
      await page.locator('[data-live="lost"]').waitFor();
      await expectText(page.locator('[data-live="lost"]'), 'Mất kết nối');
      const s = rig.school.students[1]!;
      await rig.tap(s.card); // stored by the server while the board cannot hear it
      await eventually(
        async () =>
          (await rig.admin.get(`/schools/${rig.school.schoolId}/attendance?date=${today()}`)).body.find(
            (r: { studentId: string; status: string }) => r.studentId === s.id,
          )?.status === 'present',
        'the tap stored',
      );
      await expect(tile(s.id).getAttribute('data-status')).resolves.toBe('pending');
      cut = false;
      for (const ws of held) await ws.close();
      held.clear();
      await page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
      await tile(s.id).and(page.locator('[data-status="present"]')).waitFor({ timeout: 5000 });
      await expectText(counter('present'), '2');
    },
    T,
  );

  it(
    'marks one student excused with a reason, shown with the manual marker; the district report counts it',
    async () => {
      const s = rig.school.students[2]!;
      const districtDay = async () =>
        (await rig.admin.get(`/districts/${rig.school.districtId}/reports/daily?date=${today()}`)).body as {
          schools: { schoolId: string; excused: number }[];
        };
      const excusedBefore = (await districtDay()).schools.find(
        (r) => r.schoolId === rig.school.schoolId,
      )!.excused;
      await tile(s.id)
        .getByRole('button', { name: `Điểm danh tay: ${s.name}` })
        .click();
      const form = page.getByTestId('mark-form');
      await form.getByLabel('Có phép').check();
      await form.getByRole('button', { name: 'Lưu' }).click();
      await expectText(form.getByRole('alert'), 'Hãy ghi lý do.');
      await form.getByLabel('Lý do').fill('ốm, mẹ xin phép');
      await form.getByRole('button', { name: 'Lưu' }).click();
      await tile(s.id).and(page.locator('[data-status="excused"]')).waitFor();
      await expectText(tile(s.id).getByTestId('manual'), 'Điểm danh tay');
      await expectText(tile(s.id).getByTestId('manual'), 'ốm, mẹ xin phép');
      await expectText(counter('excused'), '1');
      // The server has it, with its reason, and the marker survives a reload.
      const teacher = await apiAs(rig.server, 'co.lan');
      const days = await teacher.get(`/students/${s.id}/attendance?from=${today()}&to=${today()}`);
      expect(days.body).toEqual([
        expect.objectContaining({ status: 'excused', source: 'manual', note: 'ốm, mẹ xin phép' }),
      ]);
      await page.reload();
      await expectText(tile(s.id).getByTestId('manual'), 'ốm, mẹ xin phép');
      // The district's day moves with it (excused: absent with permission).
      expect((await districtDay()).schools.find((r) => r.schoolId === rig.school.schoolId)!.excused).toBe(
        excusedBefore + 1,
      );
    },
    T,
  );

  it(
    'marks all the rest present at once, with one reason',
    async () => {
      await page.getByTestId('mark-rest').click();
      const form = page.getByTestId('mark-form');
      await expectText(form, rig.school.students[3]!.name);
      await form.getByLabel('Lý do').fill('quên thẻ');
      await form.getByRole('button', { name: 'Lưu' }).click();
      await expectText(counter('pending'), '0');
      await expectText(counter('present'), '3');
      await expectText(tile(rig.school.students[3]!.id).getByTestId('manual'), 'quên thẻ');
      await expect(page.getByTestId('mark-rest').isDisabled()).resolves.toBe(true);
    },
    T,
  );

  it(
    "shows a student's recent days on a click on the name",
    async () => {
      const s = rig.school.students[2]!;
      await tile(s.id).getByRole('button', { name: s.name, exact: true }).click();
      const history = page.getByTestId('history');
      await expectText(history, 'Có phép');
      await expectText(history, 'ốm, mẹ xin phép');
      await page.getByRole('dialog').getByRole('button', { name: 'Đóng' }).click();
      await expect(page.getByRole('dialog').count()).resolves.toBe(0);
    },
    T,
  );

  it(
    'shows a student enrolled during the day without a reload',
    async () => {
      const s = await rig.server.directory.createStudent({
        schoolId: rig.school.schoolId,
        classId: rig.school.classId,
        studentCode: 'A-new',
        name: 'Lê Hoàng Phúc',
      });
      await tile(s.id).waitFor({ timeout: 10_000 });
      await expectText(tile(s.id), 'Chưa đến');
      await expectText(page.locator('.counter.total dd'), '5');
    },
    T,
  );

  it(
    'passes axe and is saved as screenshots (desktop and phone), with no console error',
    async () => {
      await checkPage(page, 'teacher-board');
      await phoneShot(rig, `/board/${rig.school.classId}`, 'teacher-board', 'co.lan');
      const login = await rig.newPage();
      await login.goto('/login');
      await login.getByLabel('Tên đăng nhập').waitFor();
      await checkPage(login, 'login');
      expect(rig.errors.get(login)).toEqual([]);
      expect(rig.errors.get(page)!.filter((e) => !e.includes('WebSocket'))).toEqual([]);
    },
    T,
  );

  it(
    'switches to English (its messages a chunk of their own, fetched on demand) and keeps it across a reload',
    async () => {
      await page.goto(`/board/${rig.school.classId}`);
      await page.getByLabel('Ngôn ngữ').selectOption('en');
      await expectText(page.locator('body'), 'Sign out');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await page.reload();
      await expectText(page.locator('body'), 'Sign out');
      await page.getByLabel('Language').selectOption('vi');
      await expectText(page.locator('body'), 'Đăng xuất');
    },
    T,
  );

  it(
    "does not open another class's board by URL (nor its data over the API)",
    async () => {
      await page.goto(`/board/${otherClassId}`);
      await expectText(page.locator('main'), 'Không tìm thấy, hoặc bạn không có quyền xem mục này.');
      await expect(page.locator('li.tile').count()).resolves.toBe(0);
      const teacher = await apiAs(rig.server, 'co.lan');
      expect((await teacher.get(`/classes/${otherClassId}/students`)).status).toBe(404);
    },
    T,
  );
});

function today(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
}
