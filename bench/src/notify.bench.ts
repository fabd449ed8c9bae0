/**
 * notify: the notification worker draining a pre-filled outbox to the provider stand-ins.
 *   notify_drain: 20,000 pending check-ins (consenting guardians, half Zalo first, half SMS first)
 *     → messages/s accepted by the stand-ins (ZNS + eSMS), from the worker's start to the last
 *     message's acceptance, with the per-provider limits raised through `notifyLimits`
 *     (NOTIFY_LIMITS). The stand-ins run in a process of their own (provider-sim's CLI), as real
 *     providers are elsewhere: their CPU is not the server's. Each must have seen each message
 *     exactly once: `duplicates` (requests repeating a key, or one id on both providers) and
 *     `lost` (ids never received) are printed, and either being non-zero fails the bench.
 *   Baseline beside it: requests of the same shape (ZNS template, eSMS brandname, fresh keys) sent
 *     by a plain HTTP loop (node:http, keep-alive agent) at the same concurrency to fresh stand-ins
 *     in their own process (`notify_drain_vs_direct`).
 *   node bench/dist/notify.bench.js [--quick]
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { NotificationsService } from '@rfid/server';
import { DEMO_CREDENTIALS, ESMS_SEND_PATH, ZALO_TOKEN_PATH, ZNS_SEND_PATH } from '@rfid/provider-sim';
import { report, round } from './figure.js';
import {
  providerConfig,
  seedBulk,
  settle,
  startBenchDatabase,
  startBenchServer,
  startProviderSimsProcess,
} from './support.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const SCHOOLS = 4;
const PER_SCHOOL = values.quick ? 1_000 : 5_000;
/** Calls in flight per provider, for the worker and for the direct loop alike. */
const CONCURRENCY = Number(process.env.NOTIFY_BENCH_CONCURRENCY ?? 32);
const TIMEOUT_MS = values.quick ? 60_000 : 150_000;

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

/** Until no outbox row is pending (every outcome written), polled every 200 ms; false on time-out. */
async function drained(url: string, timeoutMs: number): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'pending'`,
      );
      if (rows[0]!.n === 0) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await c.end();
  }
}

/** `requests` sent by `concurrency` plain loops. */
async function loop(requests: (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) await requests[next++]!();
    }),
  );
}

/** One POST on a keep-alive agent, the answer read to its end. */
function post(agent: http.Agent, url: string, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The baseline: `zns` + `sms` requests of the worker's shape, fresh keys, straight to fresh stand-ins. */
async function direct(zns: number, sms: number): Promise<{ rate: number; received: number }> {
  const sims = await startProviderSimsProcess();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  try {
    const c = DEMO_CREDENTIALS;
    const tok = await fetch(`${sims.zaloUrl}${ZALO_TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: c.zaloAppSecret },
      body: new URLSearchParams({
        refresh_token: c.zaloRefreshToken,
        app_id: c.zaloAppId,
        grant_type: 'refresh_token',
      }).toString(),
    });
    const accessToken = ((await tok.json()) as { access_token: string }).access_token;
    const znsCalls = Array.from(
      { length: zns },
      (_, i) => () =>
        post(
          agent,
          `${sims.zaloUrl}${ZNS_SEND_PATH}`,
          { access_token: accessToken },
          JSON.stringify({
            phone: `849${String(10_000_000 + i).slice(-8)}`,
            template_id: '100001',
            template_data: {
              student_name: `Học sinh 0-${i}`,
              class_name: '6A',
              school_name: 'THCS Bench 0',
              time: '06:52',
              date: '07/12/2026',
              status: 'Đúng giờ',
            },
            tracking_id: randomUUID(),
          }),
        ),
    );
    const smsCalls = Array.from(
      { length: sms },
      (_, i) => () =>
        post(
          agent,
          `${sims.esmsUrl}${ESMS_SEND_PATH}`,
          {},
          JSON.stringify({
            ApiKey: c.esmsApiKey,
            SecretKey: c.esmsSecretKey,
            Phone: `09${String(10_000_000 + i).slice(-8)}`,
            Content: `Em Hoc sinh 0-${i} (lop 6A) da den truong THCS Bench 0 luc 06:52 ngay 07/12/2026.`,
            Brandname: c.esmsBrandname,
            SmsType: '2',
            IsUnicode: '0',
            RequestId: randomUUID(),
          }),
        ),
    );
    const started = performance.now();
    await Promise.all([loop(znsCalls, CONCURRENCY), loop(smsCalls, CONCURRENCY)]);
    const seconds = (performance.now() - started) / 1000;
    const got = (await sims.inbox()).length;
    return { rate: got / seconds, received: got };
  } finally {
    agent.destroy();
    await sims.stop();
  }
}

const db = await startBenchDatabase();
let failed = false;
try {
  const url = await db.create();
  await seedBulk(url, SCHOOLS, PER_SCHOOL);
  const sims = await startProviderSimsProcess();
  try {
    const limits = { concurrency: CONCURRENCY, perSecond: 100_000 };
    const server = await startBenchServer(url, {
      ...providerConfig(sims.env),
      notifyWorker: false, // started below, once the outbox is full
      notifyQuietHours: null,
      notifyLimits: { zalo: limits, sms: limits },
      notifyBatch: 2_000,
    });
    try {
      const ids = await fillOutbox(url);
      await settle(url);
      const worker = server.app.get(NotificationsService).worker;
      const startedAt = Date.now();
      const started = performance.now();
      await worker.start();
      const done = await drained(url, TIMEOUT_MS);
      const drainSeconds = (performance.now() - started) / 1000;
      // Let any stray retry be sent before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      await worker.stop();

      const entries = (await sims.inbox()).filter((e) => e.channel === 'zalo' || e.channel === 'sms');
      const zns = entries.filter((e) => e.channel === 'zalo').length;
      const sms = entries.length - zns;
      const want = new Set(ids);
      const seen = new Map<string, number>();
      let duplicates = 0;
      for (const m of entries) {
        duplicates += m.requests - 1;
        seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
      }
      for (const n of seen.values()) duplicates += n - 1; // one notification on two providers
      const lost = [...want].filter((id) => !seen.has(id)).length;
      const stray = [...seen.keys()].filter((k) => !want.has(k)).length;
      // From the worker's start to the last message's acceptance at a stand-in.
      const lastAt = Math.max(...entries.map((e) => Date.parse(e.at)));
      const seconds = Math.max(0.001, (lastAt - startedAt) / 1000);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const { rows: statuses } = await c.query<{ status: string; n: number }>(
        `SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status ORDER BY status`,
      );
      await c.end();
      const rate = entries.length / seconds;

      const base = await direct(zns, sms);
      report({
        name: 'notify_drain',
        value: Math.round(rate),
        unit: 'messages/s',
        goal: '>= 2000',
        messages: ids.length,
        zns,
        sms,
        duplicates,
        lost,
        stray,
        complete: done,
        seconds: round(seconds, 2),
        until_outcomes_written_s: round(drainSeconds, 2),
        concurrency_per_provider: CONCURRENCY,
        batch: server.config.notifyBatch,
        outbox: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
        note: 'stand-ins in their own process; keep-alive HTTP transport',
      });
      report({
        name: 'notify_direct',
        value: Math.round(base.rate),
        unit: 'messages/s',
        messages: base.received,
        concurrency_per_provider: CONCURRENCY,
        note: 'requests of the same shape by a plain node:http keep-alive loop, fresh stand-ins in their own process',
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
