import { createHash } from 'node:crypto';
import pg from 'pg';
import { CallbackRecorder, ZaloStandIn } from '@rfid/provider-sim';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-db.js';
import { clearZaloTokens } from '../../../test/support/fixtures.js';
import type { ProviderCallback, Recipient } from './channel.js';
import { channelContract, contractMessage } from './channel.contract.js';
import { ZaloChannel } from './zalo.channel.js';
import { ZaloTokenRepository } from './zalo-token.repository.js';

const APP_ID = '4318927045512302271';
const APP_SECRET = 'zalo-app-secret-Q8dV2nLx';
const FIRST_REFRESH = 'first-refresh-token-8c1e5f0a';
const TEMPLATES = { check_in: '301455', check_out: '301456', absent: '301457' };
const PARAMS = { student_name: 30, school_name: 100, class_name: 30, time: 20, date: 20 };
const NO_ZALO = '84987000118';

function guardian(phone: string | null): Recipient {
  return { guardianId: 'g-1', name: 'Trần Thị Bình', phone, email: null, zaloId: null, schoolId: 's-1' };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let db: TestDatabase;
let pool: pg.Pool;
let now = Date.parse('2026-12-02T06:50:00+07:00');
const clock = (): number => now;

function standIn(): ZaloStandIn {
  return new ZaloStandIn({
    appId: APP_ID,
    appSecret: APP_SECRET,
    refreshToken: FIRST_REFRESH,
    templates: { [TEMPLATES.check_in]: PARAMS, [TEMPLATES.check_out]: PARAMS, [TEMPLATES.absent]: PARAMS },
    noZaloPhones: [NO_ZALO],
    now: clock,
  });
}

function channelFor(zalo: ZaloStandIn, serverId = 'server-a'): ZaloChannel {
  return new ZaloChannel({
    appId: APP_ID,
    appSecret: APP_SECRET,
    refreshToken: FIRST_REFRESH,
    templates: TEMPLATES,
    znsUrl: zalo.url,
    oauthUrl: zalo.url,
    tokens: new ZaloTokenRepository(pool, serverId),
    now: clock,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

const contractZalo = standIn();
const recorder = new CallbackRecorder();

channelContract('zalo (ZNS)', {
  async setup() {
    await recorder.start();
    await contractZalo.start();
    contractZalo.callbackUrl = recorder.url('/api/v1/providers/zalo/events');
    return channelFor(contractZalo);
  },
  async teardown() {
    await contractZalo.stop();
    await recorder.stop();
    await clearZaloTokens(pool);
  },
  reachable: () => guardian('0912345678'),
  unreachable: () => guardian(null),
  receivedFor: (id) => (contractZalo.message(id) ? 1 : 0),
  down: () => contractZalo.down('error'),
  up: () => contractZalo.up(),
  slow: (ms) => contractZalo.slow(ms),
  permanentFailure: () => ({ recipient: guardian('0987000118'), forRecipient: true }),
  async callbackFor(id) {
    const r = await until(
      () => recorder.received.find((c) => c.rawBody.toString().includes(id)),
      `Zalo event for ${id}`,
    );
    return {
      method: 'POST',
      query: r.query,
      headers: r.headers,
      rawBody: r.rawBody,
    } satisfies ProviderCallback;
  },
  forgeries(g) {
    const body = g.rawBody.toString();
    const event = JSON.parse(body) as { timestamp: string };
    const signed = (b: string, secret: string): string =>
      `mac=${createHash('sha256')
        .update(APP_ID + b + event.timestamp + secret)
        .digest('hex')}`;
    const tampered = body.replace(
      /"tracking_id":"[^"]+"/,
      '"tracking_id":"00000000-0000-4000-8000-000000000000"',
    );
    return [
      { ...g, rawBody: Buffer.from(tampered) },
      { ...g, headers: { ...g.headers, 'x-zevent-signature': undefined } },
      {
        ...g,
        rawBody: Buffer.from(tampered),
        headers: { ...g.headers, 'x-zevent-signature': signed(tampered, 'someone-elses-secret') },
      },
    ];
  },
});

describe('zalo (ZNS): what Zalo receives, and the token', () => {
  const zalo = standIn();
  beforeAll(() => zalo.start());
  afterAll(() => zalo.stop());
  beforeEach(async () => {
    await clearZaloTokens(pool);
    zalo.reset();
  });

  it('sends §6’s body: phone 84…, the event’s template, template_data within limits, tracking_id = the id', async () => {
    const channel = channelFor(zalo);
    const m = contractMessage(guardian('0912 345 678'), {
      event: 'absent',
      params: {
        student_name: 'Tôn Nữ Hoàng Thị Phương Thảo Nguyên Khánh',
        school_name: 'THCS Đống Đa',
        class_name: '',
        time: '08:00',
        date: '02/12/2026',
      },
    });
    const r = await channel.send(m, AbortSignal.timeout(5000));
    const got = zalo.message(m.id);
    expect(r).toEqual({ outcome: 'sent', providerMessageId: got?.providerMessageId });
    expect(got?.body.request).toEqual({
      phone: '84912345678',
      template_id: TEMPLATES.absent,
      template_data: {
        student_name: 'Tôn Nữ Hoàng Thị Phương Thảo…',
        school_name: 'THCS Đống Đa',
        class_name: '-',
        time: '08:00',
        date: '02/12/2026',
      },
      tracking_id: m.id,
    });
  });

  it('stores the rotated refresh token; refreshes before expiry, never with a dead refresh token', async () => {
    const channel = channelFor(zalo);
    await channel.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000));
    expect(zalo.refreshes).toBe(1);
    const stored = await pool.query<{ refresh_token: string; refresh_count: number }>(
      'SELECT refresh_token, refresh_count FROM zalo_tokens WHERE app_id = $1',
      [APP_ID],
    );
    expect(stored.rows[0]).toEqual({ refresh_token: zalo.currentRefreshToken, refresh_count: 1 });

    now += 24 * 3600_000 + 55 * 60_000; // 5 min before the 25 h token expires: inside the margin
    const m = contractMessage(guardian('0912345678'));
    expect(await channel.send(m, AbortSignal.timeout(5000))).toMatchObject({ outcome: 'sent' });
    expect(zalo.refreshes).toBe(2);
    expect(zalo.refusedRefreshes).toBe(0);
    expect(zalo.requestCount).toBe(4); // refresh, send, refresh, send: no -220 on the way

    // A restarted server (fresh cache, same row) keeps using what is stored, and the seed does not reset it.
    const restarted = channelFor(zalo);
    expect(
      await restarted.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
    ).toMatchObject({ outcome: 'sent' });
    expect(zalo.refreshes).toBe(2);
  });

  it('an invalid or expired access token (-216/-220) is refreshed once and the message sent once', async () => {
    const channel = channelFor(zalo);
    await channel.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000));
    zalo.revokeAccessTokens();
    const m = contractMessage(guardian('0912345678'));
    expect(await channel.send(m, AbortSignal.timeout(5000))).toMatchObject({ outcome: 'sent' });
    expect(zalo.refreshes).toBe(2);
    expect(zalo.message(m.id)?.requests).toBe(1);
  });

  it('two replicas needing a token at once refresh once (the row lock), and both send', async () => {
    const a = channelFor(zalo, 'server-a');
    const b = channelFor(zalo, 'server-b');
    const [ra, rb] = await Promise.all([
      a.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
      b.send(contractMessage(guardian('0912345679')), AbortSignal.timeout(5000)),
    ]);
    expect([ra.outcome, rb.outcome]).toEqual(['sent', 'sent']);
    expect(zalo.refreshes).toBe(1);
    expect(zalo.refusedRefreshes).toBe(0);
  });

  it('OAuth refusing is retry; -118 is failed for the recipient; an event without a template falls back', async () => {
    const wrongSecret = new ZaloChannel({
      appId: APP_ID,
      appSecret: 'not-the-secret-123',
      refreshToken: FIRST_REFRESH,
      templates: TEMPLATES,
      znsUrl: zalo.url,
      oauthUrl: zalo.url,
      tokens: new ZaloTokenRepository(pool),
      now: clock,
    });
    expect(
      await wrongSecret.send(contractMessage(guardian('0912345678')), AbortSignal.timeout(5000)),
    ).toMatchObject({ outcome: 'retry', error: expect.stringContaining('-14002') });
    const channel = channelFor(zalo);
    expect(
      await channel.send(contractMessage(guardian(`0${NO_ZALO.slice(2)}`)), AbortSignal.timeout(5000)),
    ).toMatchObject({ outcome: 'failed', forRecipient: true, error: expect.stringContaining('-118') });
    expect(
      await channel.send(
        contractMessage(guardian('0912345678'), { event: 'lost_card_used' }),
        AbortSignal.timeout(5000),
      ),
    ).toMatchObject({ outcome: 'failed', forRecipient: true });
  });
});
