/**
 * web: the teacher board's first load. `web_board_js_kb` is the gzipped JavaScript the board
 * loads (every script response of the page, as sent); `web_board_ready_ms` the time from
 * navigation to a usable board (the class's tiles shown and the live link joined) in Debian's
 * Chromium over a network emulated at 1.6 Mbit/s and 150 ms RTT (DevTools protocol
 * `Network.emulateNetworkConditions`, cache disabled), median of 5 loads; its baseline is the
 * same page unthrottled in the same run, and the goal 2,000 ms. The server sends the build's
 * precompressed copies (brotli for Chromium), so the KB are as transferred.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { DirectoryService } from '@rfid/server';
import { benchLogger, startBenchDatabase, startBenchServer, adminToken } from './support.js';
import { report, round } from './figure.js';

const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PASSWORD = 'Bảng-lớp-bench-2026';

async function load(
  browser: Browser,
  url: string,
  session: string,
  throttle: boolean,
): Promise<{ ms: number; jsBytes: number; jsFiles: number; encodings: string[] }> {
  const context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  await context.addInitScript({
    content: `localStorage.setItem('rfid.session', ${JSON.stringify(session)});`,
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (throttle) {
    const bytesPerS = (1.6e6 / 8) as number;
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: bytesPerS,
      uploadThroughput: bytesPerS,
    });
  }
  const scripts = new Map<string, number>();
  const encodings = new Set<string>();
  cdp.on(
    'Network.responseReceived',
    (e: { requestId: string; type: string; response: { headers: Record<string, string> } }) => {
      if (e.type !== 'Script') return;
      scripts.set(e.requestId, 0);
      const enc = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === 'content-encoding');
      if (enc) encodings.add(enc[1]);
    },
  );
  cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
    if (scripts.has(e.requestId)) scripts.set(e.requestId, e.encodedDataLength);
  });
  const t0 = performance.now();
  await page.goto(url);
  await page.locator('li.tile').first().waitFor({ timeout: 30_000 });
  await page.locator('[data-live="live"]').waitFor({ timeout: 30_000 });
  const ms = performance.now() - t0;
  await context.close();
  return {
    ms,
    jsBytes: [...scripts.values()].reduce((a, b) => a + b, 0),
    jsFiles: scripts.size,
    encodings: [...encodings],
  };
}

if (!CHROMIUM) {
  process.stderr.write('web bench skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)\n');
  process.exit(0);
}
const db = await startBenchDatabase();
try {
  const url = await db.create();
  const server = await startBenchServer(url);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const dir = server.app.get(DirectoryService);
    const district = await dir.createDistrict({ code: 'WB', name: 'Phòng GD&ĐT Bench' });
    const school = await dir.createSchool({ districtId: district.id, code: 'WB1', name: 'THCS Bench' });
    const klass = await dir.createClass({ schoolId: school.id, name: '6A', grade: 6 });
    for (let i = 0; i < 40; i++)
      await dir.createStudent({
        schoolId: school.id,
        classId: klass.id,
        studentCode: `WB-${i}`,
        name: `Nguyễn Thị Bench ${i}`,
      });
    const token = await adminToken(server.httpUrl);
    const created = await fetch(`${server.httpUrl}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        username: 'gv.bench',
        password: PASSWORD,
        role: 'teacher',
        classIds: [klass.id],
      }),
    });
    if (created.status !== 201) throw new Error(`teacher: ${created.status}`);
    const login = (await (
      await fetch(`${server.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'gv.bench', password: PASSWORD }),
      })
    ).json()) as { accessToken: string; refreshToken?: string };
    const me = await (
      await fetch(`${server.httpUrl}/api/v1/auth/me`, {
        headers: { authorization: `Bearer ${login.accessToken}` },
      })
    ).json();
    const session = JSON.stringify({
      accessToken: login.accessToken,
      refreshToken: login.refreshToken ?? null,
      me,
    });
    const board = `${server.httpUrl}/board/${klass.id}`;
    await load(browser, board, session, false); // warm-up: server caches, Chromium start
    const fast = [];
    const slow = [];
    for (let i = 0; i < 5; i++) fast.push(await load(browser, board, session, false));
    for (let i = 0; i < 5; i++) slow.push(await load(browser, board, session, true));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const js = slow[0]!;
    report({
      name: 'web_board_js_kb',
      value: round(js.jsBytes / 1024, 1),
      unit: 'KB',
      files: js.jsFiles,
      budget_kb: 150,
      encoding: js.encodings.join(',') || 'identity',
      note: 'compressed JavaScript of the board first load, as transferred',
    });
    report({
      name: 'web_board_ready_ms',
      value: Math.round(median(slow.map((r) => r.ms))),
      unit: 'ms',
      goal: '<= 2000 ms',
      network: '1.6 Mbit/s, 150 ms RTT',
      baseline_unthrottled_ms: Math.round(median(fast.map((r) => r.ms))),
      runs: slow.map((r) => Math.round(r.ms)),
      baseline_runs: fast.map((r) => Math.round(r.ms)),
    });
  } finally {
    await browser.close();
    await server.close();
  }
} finally {
  await db.stop();
}
benchLogger.flush?.();
