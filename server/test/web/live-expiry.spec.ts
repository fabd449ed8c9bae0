/**
 * The teacher's board across access-token expiry in real Chromium: with 30-second access tokens,
 * the server closes the live link when its token expires, the page refreshes its token and
 * reconnects by itself, and a tap after that still turns a student present without a reload.
 */
import type { Page } from 'playwright-core';
import { SKIP_REASON, startRig, createUser, signIn, eventually, type Rig } from './harness.js';

const describeBrowser = SKIP_REASON ? describe.skip : describe;
if (SKIP_REASON) console.warn(`web live-expiry e2e skipped: ${SKIP_REASON}`);

const TTL_S = 30;

describeBrowser('teacher board after the access token expires (Chromium)', () => {
  let rig: Rig;
  let page: Page;
  let links = 0;
  let refreshes = 0;

  beforeAll(async () => {
    rig = await startRig(2, { accessTokenTtlSeconds: TTL_S });
    await createUser(rig.admin, { username: 'co.mai', role: 'teacher', classIds: [rig.school.classId] });
    page = await rig.newPage();
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      links++;
      ws.connectToServer();
    });
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/auth/refresh')) refreshes++;
    });
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('reconnects with a refreshed token when the server closes the expired link, and keeps showing taps', async () => {
    await signIn(page, 'co.mai');
    expect(new URL(page.url()).pathname).toBe(`/board/${rig.school.classId}`);
    await page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
    const first = links;
    expect(first).toBeGreaterThanOrEqual(1);
    const refreshedBefore = refreshes;
    // The server closes the link at the token's expiry; the page opens a new one with a fresh token.
    await eventually(() => links > first, 'a new live link after the token expired', (TTL_S + 20) * 1000);
    // The token is refreshed once the new link is open, before its Socket.IO handshake.
    await eventually(() => refreshes > refreshedBefore, 'a token refresh for the new link', 15_000);
    await page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
    const s = rig.school.students[0]!;
    await rig.tap(s.card);
    await page
      .locator(`li.tile[data-student="${s.id}"]`)
      .and(page.locator('[data-status="present"]'))
      .waitFor({ timeout: 5000 });
    expect(page.url()).not.toContain('/login');
    expect(rig.errors.get(page)).toEqual([]);
  }, 120_000);
});
