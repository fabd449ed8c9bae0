/**
 * The worker against the provider stand-ins (local servers speaking ZNS + OAuth and eSMS, from
 * provider-sim): fallback for one guardian on ZNS -118, an expired token refreshed once, a provider
 * down for a while then back — counted by what the stand-ins received.
 */
import { ManualClock } from '@rfid/protocol';
import { EsmsStandIn, ZaloStandIn } from '@rfid/provider-sim';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { ZaloTokenRepository } from '../src/notifications/channels/zalo-token.repository.js';

const ZALO = {
  appId: '4318895543001',
  appSecret: 'zalo-app-secret-for-tests-91',
  refreshToken: 'first-refresh-token-for-tests-5521',
};
const ESMS = { apiKey: 'esms-api-key-for-tests-2209', secretKey: 'esms-secret-key-for-tests-7731' };

describe('notifications through the provider stand-ins', () => {
  const clock = new ManualClock('2026-11-23T06:40:00+07:00');
  let zalo: ZaloStandIn;
  let esms: EsmsStandIn;
  let server: TestServer;
  let db: Database;
  let school: SeededSchool;
  let gw: TestGateway;
  let notifications: NotificationsService;
  const guardians: string[] = [];
  const phone = (i: number) => `09120001${String(i).padStart(2, '0')}`;

  const row = async (studentId: string) =>
    (
      await db.query<{
        id: string;
        status: string;
        channel: string | null;
        attempts: number;
        channels_tried: string[];
        last_error: string | null;
      }>(
        'SELECT id, status, channel, attempts, channels_tried, last_error FROM notification_outbox WHERE student_id = $1',
        [studentId],
      )
    )[0];
  const settled = (studentId: string) =>
    pollUntil(
      async () => {
        const r = await row(studentId);
        return r && r.status !== 'pending' ? r : null;
      },
      { what: `notification of ${studentId} settled` },
    );

  beforeAll(async () => {
    // The stand-in stamps its webhooks with the same (injected) clock the server checks them by.
    zalo = await new ZaloStandIn({
      ...ZALO,
      noZaloPhones: ['84912000100'],
      now: () => clock.now().getTime(),
    }).start();
    esms = await new EsmsStandIn({ ...ESMS, brandnames: ['TRUONGHOC'] }).start();
    server = await startTestServer(
      {
        zaloAppId: ZALO.appId,
        zaloAppSecret: ZALO.appSecret,
        zaloRefreshToken: ZALO.refreshToken,
        zaloZnsUrl: zalo.url,
        zaloOauthUrl: zalo.url,
        zaloTemplates: { check_in: '231001', check_out: '231002', absent: '231003' },
        smsProvider: 'esms',
        esmsApiKey: ESMS.apiKey,
        esmsSecretKey: ESMS.secretKey,
        esmsBrandname: 'TRUONGHOC',
        esmsUrl: esms.url,
        notifyPollMs: 50,
        notifyBackoffBaseMs: 1000,
      },
      { clock },
    );
    db = server.app.get(Database);
    notifications = server.app.get(NotificationsService);
    const admin = await asAdmin(server);
    school = await seedSchool(server.directory, 9);
    for (let i = 0; i < 7; i++) {
      const g = await server.directory.addGuardian(school.students[i]!.id, {
        name: `Phụ huynh ${i}`,
        phone: phone(i),
        channels: ['zalo', 'sms'],
      });
      guardians.push(g.id);
      const r = await admin.post(`/guardians/${g.id}/consents`, {
        channels: ['zalo', 'sms'],
        granted: true,
        method: 'paper_form',
      });
      if (r.status !== 201) throw new Error(`consent: ${r.status}`);
    }
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
    await zalo?.stop();
    await esms?.stop();
  });

  it('ZNS -118 (no Zalo account) falls back to SMS for that guardian only', async () => {
    await gw.publish([
      gw.tap(school.students[0]!.card, '2026-11-23T06:39:00+07:00'),
      gw.tap(school.students[1]!.card, '2026-11-23T06:39:10+07:00'),
    ]);
    const a = await settled(school.students[0]!.id);
    const b = await settled(school.students[1]!.id);
    expect(a).toMatchObject({ status: 'sent', channel: 'sms', channels_tried: ['zalo'], attempts: 2 });
    expect(b).toMatchObject({ status: 'sent', channel: 'zalo', channels_tried: [], attempts: 1 });
    expect(esms.messages().map((m) => m.key)).toEqual([a!.id]);
    expect(zalo.messages().map((m) => m.key)).toEqual([b!.id]);
    expect(esms.message(a!.id)!.requests).toBe(1);
    expect(zalo.message(b!.id)!.requests).toBe(1);
  });

  it('an expired access token is refreshed once and the message goes', async () => {
    const before = zalo.refreshes;
    zalo.revokeAccessTokens();
    await gw.publish([
      gw.tap(school.students[2]!.card, '2026-11-23T06:39:20+07:00'),
      gw.tap(school.students[3]!.card, '2026-11-23T06:39:30+07:00'),
    ]);
    const r2 = await settled(school.students[2]!.id);
    const r3 = await settled(school.students[3]!.id);
    expect(r2).toMatchObject({ status: 'sent', channel: 'zalo' });
    expect(r3).toMatchObject({ status: 'sent', channel: 'zalo' });
    expect(zalo.refreshes - before).toBe(1);
    expect(zalo.message(r2!.id)!.requests + zalo.message(r3!.id)!.requests).toBeGreaterThanOrEqual(2);
    expect(zalo.messages().filter((m) => m.key === r2!.id || m.key === r3!.id)).toHaveLength(2);
  });

  it('Zalo down for a while, then back: each message received exactly once', async () => {
    await zalo.down('error');
    try {
      await gw.publish([
        gw.tap(school.students[4]!.card, '2026-11-23T06:39:40+07:00'),
        gw.tap(school.students[5]!.card, '2026-11-23T06:39:50+07:00'),
      ]);
      await pollUntil(
        async () =>
          (await row(school.students[4]!.id))?.attempts === 1 &&
          (await row(school.students[5]!.id))?.attempts === 1,
        { what: 'first attempts' },
      );
      for (let i = 0; i < 3; i++) {
        clock.advance(60_000);
        await notifications.worker.drainAll();
      }
      expect(await row(school.students[4]!.id)).toMatchObject({
        status: 'pending',
        attempts: 4,
        channel: 'zalo',
      });
    } finally {
      await zalo.up();
    }
    clock.advance(60_000);
    await notifications.worker.drainAll();
    for (const s of [school.students[4]!, school.students[5]!]) {
      const r = await settled(s.id);
      expect(r).toMatchObject({ status: 'sent', channel: 'zalo', attempts: 5 });
      expect(zalo.messages().filter((m) => m.key === r!.id)).toHaveLength(1);
    }
    expect(esms.messages()).toHaveLength(1); // still only the -118 guardian's
  });

  it('delivery reports turn sent into delivered; a forged or unknown callback is refused', async () => {
    zalo.callbackUrl = `${server.httpUrl}/api/v1/providers/zalo/events`;
    await gw.publish([gw.tap(school.students[6]!.card, '2026-11-23T06:44:00+07:00')]);
    const r = await pollUntil(
      async () => {
        const x = await row(school.students[6]!.id);
        return x?.status === 'delivered' ? x : null;
      },
      { what: 'delivered' },
    );
    expect(r).toMatchObject({ channel: 'zalo', attempts: 1 });
    const rec = zalo.message(r.id)!;
    const { body } = zalo.signedEvent(rec);
    const forged = await fetch(`${server.httpUrl}/api/v1/providers/zalo/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': 'mac=0000' },
      body,
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    const esmsForged = await fetch(
      `${server.httpUrl}/api/v1/providers/esms/callback?SMSID=1&SendStatus=5&RequestId=${r.id}`,
    );
    expect(esmsForged.status).toBeGreaterThanOrEqual(400);
    expect(esmsForged.status).toBeLessThan(500);
    expect((await row(school.students[6]!.id))!.status).toBe('delivered');
  });

  it('a Zalo login lost for good (refresh token refused): one alert, the guardians on their next channel, a new seed clears it', async () => {
    // A crash after Zalo rotated the one-use refresh token but before we stored the new one: the
    // stored refresh token is spent (here: spent by someone else), and the access token is gone.
    const [stored] = await db.query<{ refresh_token: string }>(
      'SELECT refresh_token FROM zalo_tokens WHERE app_id = $1',
      [ZALO.appId],
    );
    const spent = await fetch(`${zalo.url}/v4/oa/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: ZALO.appSecret },
      body: new URLSearchParams({
        refresh_token: stored!.refresh_token,
        app_id: ZALO.appId,
        grant_type: 'refresh_token',
      }).toString(),
    });
    expect(((await spent.json()) as { access_token?: string }).access_token).toBeDefined();
    zalo.revokeAccessTokens();
    const refusedBefore = zalo.refusedRefreshes;
    const smsBefore = esms.messages().length;
    const alerts = async () =>
      (await server.app.get(MetricsService).zaloLoginLost.get()).values[0]?.value ?? 0;
    const alertsBefore = await alerts();
    const admin = await asAdmin(server);
    for (const i of [7, 8]) {
      const g = await server.directory.addGuardian(school.students[i]!.id, {
        name: `Phụ huynh ${i}`,
        phone: phone(i),
        channels: ['zalo', 'sms'],
      });
      expect(
        (
          await admin.post(`/guardians/${g.id}/consents`, {
            channels: ['zalo', 'sms'],
            granted: true,
            method: 'paper_form',
          })
        ).status,
      ).toBe(201);
    }
    await gw.publish([gw.tap(school.students[7]!.card, '2026-11-23T06:45:00+07:00')]);
    const first = await settled(school.students[7]!.id);
    expect(first).toMatchObject({ status: 'sent', channel: 'sms', channels_tried: ['zalo'] });
    // Recorded for every replica, alerted once.
    const [lost] = await db.query<{ login_lost_at: Date | null; login_lost_reason: string | null }>(
      'SELECT login_lost_at, login_lost_reason FROM zalo_tokens WHERE app_id = $1',
      [ZALO.appId],
    );
    expect(lost!.login_lost_at).not.toBeNull();
    expect(lost!.login_lost_reason).toContain('-14014');
    // The next message goes straight to SMS: Zalo's OAuth is not asked again.
    await gw.publish([gw.tap(school.students[8]!.card, '2026-11-23T06:45:10+07:00')]);
    const second = await settled(school.students[8]!.id);
    expect(second).toMatchObject({ status: 'sent', channel: 'sms', channels_tried: ['zalo'] });
    expect(zalo.refusedRefreshes - refusedBefore).toBe(1);
    expect(esms.messages().length - smsBefore).toBe(2);
    expect((await alerts()) - alertsBefore).toBe(1);
    // Re-authorising the OA (a new ZALO_REFRESH_TOKEN seeded on the next start) clears it.
    await new ZaloTokenRepository(db.pool).seed(ZALO.appId, 'refresh-token-from-a-new-authorisation-77');
    const [after] = await db.query<{ login_lost_at: Date | null; refresh_token: string }>(
      'SELECT login_lost_at, refresh_token FROM zalo_tokens WHERE app_id = $1',
      [ZALO.appId],
    );
    expect(after).toEqual({
      login_lost_at: null,
      refresh_token: 'refresh-token-from-a-new-authorisation-77',
    });
  });
});
