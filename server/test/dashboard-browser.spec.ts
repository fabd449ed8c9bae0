/**
 * The web dashboard in a real browser (Debian's Chromium through playwright-core): a teacher-side
 * view signs in, opens the school's day and sees a tap made at the gateway appear live, with the
 * student's row turning "Có mặt". Skipped, saying why, where Chromium is not installed.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, seedSchool, TEST_ADMIN_PASSWORD, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!CHROMIUM) console.warn('browser test skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)');
const webBuilt = existsSync(path.resolve(import.meta.dirname, '../../web/dist/index.html'));
if (!webBuilt) console.warn('browser test skipped: web/dist is not built (npm run build)');
const describeBrowser = CHROMIUM && webBuilt ? describe : describe.skip;

describeBrowser('web dashboard in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let gw: TestGateway | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await gw?.close();
    await browser?.close();
    await server?.stop();
  });

  it('signs in, shows the day and a live tap turning a student present', async () => {
    const school = await seedSchool(server.directory, 3);
    const page = await browser.newPage({ locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    await page.goto(`${server.httpUrl}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'not the password');
    await page.click('form#login button[type=submit]');
    await expectText(page.locator('#login-error'), 'Sai tên đăng nhập hoặc mật khẩu');

    await page.fill('input[name=password]', TEST_ADMIN_PASSWORD);
    await page.click('form#login button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await expect(page.locator('form#login').isVisible()).resolves.toBe(false);
    await page.selectOption('#school', school.schoolId);
    await page.fill('#date', '2026-11-23');
    await page.dispatchEvent('#date', 'change');
    const rows = page.locator('#attendance tbody tr');
    await expect(rows.count()).resolves.toBe(3);
    await page.locator('#live.on').waitFor();

    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
    const student = school.students[0]!;
    await gw.publish([gw.tap(student.card, '2026-11-23T06:52:00+07:00', { direction: 'in' })]);

    await expectText(page.locator('#taps li').first(), student.name);
    const row = page.locator(`#attendance tr[data-student="${student.id}"]`);
    await expectText(row, 'Có mặt');
    await expectText(row, '06:52');
    await expectText(page.locator('#counts'), 'Có mặt: 1');
    await page.screenshot({ path: path.join(mkdtempSync(path.join(tmpdir(), 'rfid-shot-')), 'dashboard.png') });
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent().catch(() => null)) ?? '';
    if (last.includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(last).toContain(text);
}
