/**
 * One rig per e2e test file of the web app: a real server (real PostgreSQL, embedded MQTT, the
 * built `web/dist`), a seeded school whose rules make any hour of any day a school day, a real
 * gateway with a simulated smart terminal on TCP, and one headless Chromium (Debian's, through
 * playwright-core). Pages collect console errors; `checkPage` runs axe and saves screenshots at
 * desktop and 390×844 phone sizes under `artifacts/screenshots/`.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { systemClock, parseCardText } from '@rfid/protocol';
import { parseGatewayConfig, startGateway, type GatewayHandle } from '@rfid/gateway';
import { createTerminal, type SimulatedTerminal } from '@rfid/firmware-sim';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from '../support/test-server.js';
import { asAdmin, login, type ApiClient } from '../support/api.js';
import type { ServerConfig } from '../../src/config/config.js';

export const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const WEB_BUILT = existsSync(path.resolve(import.meta.dirname, '../../../web/dist/index.html'));
/** Why the browser tests cannot run here, or null when they can. */
export const SKIP_REASON = !CHROMIUM
  ? 'no Chromium (apt-get install chromium, or set CHROMIUM_PATH)'
  : !WEB_BUILT
    ? 'web/dist is not built (npm run build)'
    : null;
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../../artifacts/screenshots');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Passwords of the users the tests create (≥ 12 characters, not common). */
export const PASSWORD = 'Hoa-sen-nở-2026!';

const silent = pino({ level: 'silent' });

export interface Rig {
  server: TestServer;
  browser: Browser;
  admin: ApiClient;
  school: SeededSchool;
  terminal: SimulatedTerminal;
  gateway: GatewayHandle;
  /** Pages opened by `newPage`, with the console errors each logged. */
  errors: Map<Page, string[]>;
  newPage(opts?: { phone?: boolean }): Promise<Page>;
  /** Tap a card on the simulated terminal (through the gateway, MQTT and the server). */
  tap(card: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(students = 4, config: Partial<ServerConfig> = {}): Promise<Rig> {
  const server = await startTestServer({ schedulerIntervalMs: 0, ...config }, { clock: systemClock });
  const admin = await asAdmin(server);
  const school = await seedSchool(server.directory, students);
  // Any hour of any day is a school day and on time: the tests run whenever CI does.
  const patched = await admin.patch(`/schools/${school.schoolId}`, {
    schoolDays: [1, 2, 3, 4, 5, 6, 7],
    onTimeUntil: '23:58',
    lateUntil: '23:59',
    absenceCutoff: '23:59',
  });
  if (patched.status !== 200)
    throw new Error(`school rules: ${patched.status} ${JSON.stringify(patched.body)}`);
  const terminal = await createTerminal({
    id: 'cong-chinh',
    kind: 'smart',
    link: { type: 'tcp', host: '127.0.0.1', port: 0 },
    heartbeatMs: 0,
    logger: silent,
  });
  const creds = await server.devices.register(school.schoolId, 'Cổng chính');
  const gateway = await startGateway(
    parseGatewayConfig({
      schoolId: school.schoolId,
      gatewayId: creds.gatewayId,
      mqtt: { url: server.mqttUrl, username: creds.mqttUsername, password: creds.mqttPassword },
      dataDir: mkdtempSync(path.join(tmpdir(), 'rfid-web-gw-')),
      // The gate terminal is configured as an entry (as a school's front gate is): a tap is a
      // check-in at any hour the suite runs, not a check-out after the school's 16:00 window.
      terminals: [{ ...terminal.gatewayConfig(), direction: 'in' }],
      logLevel: 'silent',
    }),
    { logger: silent },
  );
  await terminal.waitForGateway(10_000);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const errors = new Map<Page, string[]>();
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    admin,
    school,
    terminal,
    gateway,
    errors,
    async newPage(opts = {}) {
      const context = await browser.newContext({
        locale: 'vi-VN',
        timezoneId: 'Asia/Ho_Chi_Minh',
        baseURL: server.httpUrl,
        viewport: opts.phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
        ...(opts.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      const list: string[] = [];
      errors.set(page, list);
      page.on('console', (m) => {
        if (m.type() === 'error') list.push(m.text());
      });
      page.on('pageerror', (e) => list.push(String(e)));
      return page;
    },
    async tap(card: string) {
      const outcome = await terminal.tap(parseCardText(card));
      if ('result' in outcome && outcome.result === 'NO_ACK')
        throw new Error(`tap of ${card} was not acknowledged`);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await gateway.stop().catch(() => undefined);
      await terminal.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** Create a user through the API and return its id. */
export async function createUser(admin: ApiClient, body: Record<string, unknown>): Promise<string> {
  const r = await admin.post('/users', { password: PASSWORD, ...body });
  if (r.status !== 201)
    throw new Error(`user ${String(body.username)}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { id: string }).id;
}

export function apiAs(server: TestServer, username: string): Promise<ApiClient> {
  return login(server, username, PASSWORD);
}

/** Sign in through the page. */
export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Wait until the locator's text contains `text` (polls; no fixed sleeps). */
export async function expectText(locator: Locator, text: string | RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: 1000 }).catch(() => null)) ?? '';
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (typeof text === 'string') expect(last).toContain(text);
  else expect(last).toMatch(text);
}

/** Wait until `probe` is truthy. */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** axe: no serious or critical violation; a screenshot of the page as it is (and on a phone). */
export async function checkPage(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
}

export async function phoneShot(
  rig: Rig,
  url: string,
  name: string,
  username: string,
  allowed: (error: string) => boolean = () => false,
): Promise<void> {
  const phone = await rig.newPage({ phone: true });
  await signIn(phone, username);
  await phone.goto(url);
  await phone.locator('main h1').first().waitFor();
  await phone.waitForLoadState('networkidle');
  const result = await new AxeBuilder({ page: phone }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact})`)).toEqual([]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await phone.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  expect(rig.errors.get(phone)!.filter((e) => !allowed(e))).toEqual([]);
  await phone.context().close();
}
