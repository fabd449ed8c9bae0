/**
 * notify: the notification worker draining a pre-filled outbox to the provider stand-ins.
 *   notify_drain: 20,000 pending check-ins (consenting guardians, half Zalo first, half SMS first)
 *     → messages/s counted at the stand-ins (ZNS + eSMS), with the per-provider limits raised
 *     through `notifyLimits` (NOTIFY_LIMITS). Each stand-in must have seen each message exactly
 *     once: `duplicates` (requests repeating a key, or one id on both providers) and `lost` (ids
 *     never received) are printed, and either being non-zero fails the bench.
 *   Baseline beside it: the same requests (bodies as the worker sent them, fresh keys) sent by a
 *     plain HTTP loop at the same concurrency to fresh stand-ins (`notify_drain_vs_direct`).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { NotificationsService, type ServerConfig } from '@rfid/server';
import {
  DEMO_CREDENTIALS,
  ESMS_SEND_PATH,
  ZALO_TOKEN_PATH,
  ZNS_SEND_PATH,
  startProviderSims,
  type ProviderSims,
} from '@rfid/provider-sim';
import { report, round } from './figure.js';
import { seedBulk, settle, startBenchDatabase, startBenchServer } from './support.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const SCHOOLS = 4;
const PER_SCHOOL = values.quick ? 1_000 : 5_000;
/** Calls in flight per provider, for the worker and for the direct loop alike. */
const CONCURRENCY = 32;
const TIMEOUT_MS = values.quick ? 60_000 : 150_000;

/** The server's config pointing at the stand-ins (the §6 variables, as config keys). */
function providerConfig(sims: ProviderSims): Partial<ServerConfig> {
  const e = sims.env;
  return {
    zaloAppId: e.ZALO_APP_ID,
    zaloAppSecret: e.ZALO_APP_SECRET,
    zaloRefreshToken: e.ZALO_REFRESH_TOKEN,
    zaloTemplates: JSON.parse(e.ZALO_TEMPLATES!) as Record<string, string>,
    zaloZnsUrl: e.ZALO_ZNS_URL!,
    zaloOauthUrl: e.ZALO_OAUTH_URL!,
    smsProvider: 'esms',
    esmsApiKey: e.ESMS_API_KEY,
    esmsSecretKey: e.ESMS_SECRET_KEY,
    esmsBrandname: e.ESMS_BRANDNAME,
    esmsUrl: e.ESMS_URL!,
  };
}

/** Consent (method `seed`, a day ago) for every guardian on zalo and sms; half prefer SMS; one check-in each. */
async function fillOutbox(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `UPDATE guardians SET channels = CASE WHEN hashtext(id::text) % 2 = 0 THEN ARRAY['sms','zalo'] ELSE ARRAY['zalo','sms'] END`,
    );
    await c.query(
      `INSERT INTO notification_consents (guardian_id, channel, granted, at, recorded_by, method, note)
       SELECT g.id, ch, true, now() - interval '1 day', NULL, 'seed', 'bench: consent forms collected'
         FROM guardians g CROSS JOIN unnest(ARRAY['zalo','sms']) AS ch`,
    );
    const r = await c.query<{ id: string }>(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, event, event_at, params)
       SELECT s.id, s.school_id, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, sg.guardian_id, 'check_in', now(), '{"late":false}'
         FROM students s JOIN student_guardians sg ON sg.student_id = s.id
       RETURNING id`,
    );
    await c.query('COMMIT');
    return r.rows.map((x) => x.id);
  } finally {
    await c.end();
  }
}

const received = (sims: ProviderSims) => sims.zalo.messages().length + sims.esms.messages().length;
/** Polling the stand-ins' counts copies their maps: every 100 ms, not to take the CPU being measured. */
const POLL_MS = 100;

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}

/** `requests` sent by `concurrency` plain fetch loops. */
async function loop(requests: (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) await requests[next++]!();
    }),
  );
}

/** The baseline: the same bodies, fresh keys, straight to fresh stand-ins at the same concurrency. */
async function direct(
  zns: Record<string, unknown>[],
  sms: Record<string, unknown>[],
): Promise<{ rate: number; received: number }> {
  const sims = await startProviderSims();
  try {
    const c = DEMO_CREDENTIALS;
    const tok = await fetch(`${sims.zalo.url}${ZALO_TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: c.zaloAppSecret },
      body: new URLSearchParams({
        refresh_token: c.zaloRefreshToken,
        app_id: c.zaloAppId,
        grant_type: 'refresh_token',
      }).toString(),
    });
    const accessToken = ((await tok.json()) as { access_token: string }).access_token;
    const post = async (u: string, headers: Record<string, string>, body: unknown) => {
      const res = await fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
    };
    const znsCalls = zns.map(
      (b) => () =>
        post(
          `${sims.zalo.url}${ZNS_SEND_PATH}`,
          { access_token: accessToken },
          { ...b, tracking_id: randomUUID() },
        ),
    );
    const smsCalls = sms.map(
      (b) => () => post(`${sims.esms.url}${ESMS_SEND_PATH}`, {}, { ...b, RequestId: randomUUID() }),
    );
    const started = performance.now();
    await Promise.all([loop(znsCalls, CONCURRENCY), loop(smsCalls, CONCURRENCY)]);
    const seconds = (performance.now() - started) / 1000;
    return { rate: received(sims) / seconds, received: received(sims) };
  } finally {
    await sims.stop();
  }
}

const db = await startBenchDatabase();
let failed = false;
try {
  const url = await db.create();
  await seedBulk(url, SCHOOLS, PER_SCHOOL);
  const sims = await startProviderSims();
  try {
    const limits = { concurrency: CONCURRENCY, perSecond: 100_000 };
    const server = await startBenchServer(url, {
      ...providerConfig(sims),
      notifyWorker: false, // started below, once the outbox is full
      notifyQuietHours: null,
      notifyLimits: { zalo: limits, sms: limits },
      notifyBatch: 2_000,
    });
    try {
      const ids = await fillOutbox(url);
      await settle(url);
      const worker = server.app.get(NotificationsService).worker;
      const started = performance.now();
      await worker.start();
      const done = await waitFor(() => received(sims) >= ids.length, TIMEOUT_MS);
      const seconds = (performance.now() - started) / 1000;
      // Let the last outcomes be written (and any stray retry be sent) before counting.
      await waitFor(() => false, 1_000);
      await worker.stop();

      const zns = sims.zalo.messages();
      const sms = sims.esms.messages();
      const want = new Set(ids);
      const seen = new Map<string, number>();
      let duplicates = 0;
      for (const m of [...zns, ...sms]) {
        duplicates += m.requests - 1;
        seen.set(m.key, (seen.get(m.key) ?? 0) + 1);
      }
      for (const n of seen.values()) duplicates += n - 1; // one notification on two providers
      const lost = [...want].filter((id) => !seen.has(id)).length;
      const stray = [...seen.keys()].filter((k) => !want.has(k)).length;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows: statuses } = await c.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status ORDER BY status`,
      );
      await c.end();
      const rate = (zns.length + sms.length) / seconds;

      const base = await direct(
        zns.map((m) => m.body.request as unknown as Record<string, unknown>),
        sms.map((m) => m.body.request as unknown as Record<string, unknown>),
      );
      report({
        name: 'notify_drain',
        value: Math.round(rate),
        unit: 'messages/s',
        goal: '>= 2000',
        messages: ids.length,
        zns: zns.length,
        sms: sms.length,
        duplicates,
        lost,
        stray,
        complete: done,
        seconds: round(seconds, 2),
        concurrency_per_provider: CONCURRENCY,
        batch: server.config.notifyBatch,
        outbox: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
      });
      report({
        name: 'notify_direct',
        value: Math.round(base.rate),
        unit: 'messages/s',
        messages: base.received,
        concurrency_per_provider: CONCURRENCY,
        note: 'the same requests by a plain fetch loop, fresh stand-ins',
      });
      report({ name: 'notify_drain_vs_direct', value: round(rate / base.rate, 3), unit: 'ratio' });
      if (duplicates !== 0 || lost !== 0 || stray !== 0) {
        process.stderr.write(`notify: duplicates=${duplicates} lost=${lost} stray=${stray}\n`);
        failed = true;
      }
    } finally {
      await server.close();
    }
  } finally {
    await sims.stop();
  }
} finally {
  await db.stop();
}
process.exit(failed ? 1 : 0);
