/**
 * Durable delivery of submitted daily reports to the district (#14): the district's endpoint is a
 * real HTTP server (node:http) that fails a number of times and then accepts, counting every
 * request; the district's mailbox is the SMTP stand-in (a real `smtp-server`). Back-off is crossed
 * by moving the injected clock, never by sleeping. Two workers over the same database stand for
 * two server replicas.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import ExcelJS from 'exceljs';
import { ManualClock } from '@rfid/protocol';
import { SmtpStandIn } from '@rfid/provider-sim';
import { seedSchool, startTestServer, type SeededSchool, type TestServer } from './support/test-server.js';
import { asAdmin, type ApiClient } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { LOGGER, type Logger } from '../src/logger.js';
import { ReportDeliveryService } from '../src/reports/report-delivery.service.js';
import { ReportDeliveryWorker } from '../src/reports/report-delivery.worker.js';
import { ReportDeliveriesRepository } from '../src/reports/report-deliveries.repository.js';
import { REPORT_MAILER, type ReportMailer } from '../src/reports/report-delivery.js';

const SECRET = 'district-hook-secret-7Kq2';
const MAIL_TO = 'phonggd.dakha@example.vn';

interface Hit {
  key: string;
  signature: string;
  event: string;
  body: string;
  answered: number;
}

/** The district's endpoint: `answer(key, n)` says the status of the n-th request (1-based) for a report key. */
class DistrictEndpoint {
  readonly hits: Hit[] = [];
  answer: (key: string, n: number) => number = () => 200;
  delayMs = 0;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      const n = this.hits.filter((h) => h.key === key).length + 1;
      const status = this.answer(key, n);
      this.hits.push({
        key,
        signature: String(req.headers['x-signature']),
        event: String(req.headers['x-event']),
        body: Buffer.concat(chunks).toString('utf8'),
        answered: status,
      });
      setTimeout(() => res.writeHead(status).end(), this.delayMs);
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/bao-cao`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
  /** Requests the endpoint accepted (2xx) for a key. */
  accepted(key: string): Hit[] {
    return this.hits.filter((h) => h.key === key && h.answered < 300);
  }
  requests(key: string): Hit[] {
    return this.hits.filter((h) => h.key === key);
  }
}

describe('reports: durable delivery to the district (webhook and e-mail)', () => {
  // Seeded on 2 November (the students are enrolled from then); the tests run on the 24th.
  const clock = new ManualClock('2026-11-02T06:00:00+07:00');
  const endpoint = new DistrictEndpoint();
  const smtp = new SmtpStandIn({ user: 'baocao@dakha.edu.vn', password: 'smtp-pass-Rt5x8Lm2' });
  let server: TestServer;
  let admin: ApiClient;
  let db: Database;
  let school: SeededSchool;
  let url: string;
  let worker: ReportDeliveryWorker;

  beforeAll(async () => {
    url = await endpoint.start();
    await smtp.start();
    server = await startTestServer(
      {
        schedulerIntervalMs: 0,
        notifyWorker: false,
        smtpUrl: smtp.url,
        mailFrom: '"Hệ thống điểm danh" <baocao@dakha.edu.vn>',
      },
      { clock },
    );
    admin = await asAdmin(server);
    db = server.app.get(Database);
    school = await seedSchool(server.directory, 4, 'DH05');
    clock.set('2026-11-24T10:00:00+07:00');
    admin = await asAdmin(server);
    worker = server.app.get(ReportDeliveryService).worker;
    const put = await admin.put(`/districts/${school.districtId}/reports/delivery`, {
      webhookUrl: url,
      webhookSecret: SECRET,
      email: MAIL_TO,
    });
    if (put.status !== 204) throw new Error(`delivery settings: ${put.status} ${JSON.stringify(put.body)}`);
  });
  afterAll(async () => {
    await server?.stop();
    await endpoint.stop();
    await smtp.stop();
  });

  /** Attendance of the day for the first three students: present, late, excused; the fourth absent. */
  async function attend(date: string): Promise<void> {
    const [a, b, c] = school.students;
    await db.query(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status, first_in, note) VALUES
        ($1, $4::date, $5, $6, 'present', ($4 || 'T06:50:00+07:00')::timestamptz, NULL),
        ($2, $4::date, $5, $6, 'late', ($4 || 'T07:25:00+07:00')::timestamptz, NULL),
        ($3, $4::date, $5, $6, 'excused', NULL, 'ốm, mẹ xin phép')`,
      [a!.id, b!.id, c!.id, date, school.schoolId, school.classId],
    );
  }

  /** The principal submits the day (signing in again: tokens expire by the clock the tests move). */
  const submit = async (date: string) => {
    admin = await asAdmin(server);
    const r = await admin.post(`/schools/${school.schoolId}/reports/daily/submit`, { date });
    expect(r.status).toBe(200);
    return r.body as { revision: number };
  };
  const key = (date: string, revision = 1) => `${school.schoolId}/${date}/${revision}`;
  const rows = (date: string) =>
    db.query<{
      target: string;
      status: string;
      attempts: number;
      last_error: string | null;
      revision: number;
    }>(
      `SELECT target, status, attempts, last_error, revision FROM report_deliveries
        WHERE school_id = $1 AND date = $2::date ORDER BY revision, target`,
      [school.schoolId, date],
    );
  const advance = (ms: number) => clock.set(new Date(clock.now().getTime() + ms).toISOString());

  it('the submission writes one delivery per target in its transaction; a district endpoint down three times gets the report once when it is back', async () => {
    const d = '2026-11-16';
    await attend(d);
    endpoint.answer = (k, n) => (k === key(d) && n <= 3 ? 503 : 200);
    await submit(d);
    expect(await rows(d)).toEqual([
      { target: 'email', status: 'pending', attempts: 0, last_error: null, revision: 1 },
      { target: 'webhook', status: 'pending', attempts: 0, last_error: null, revision: 1 },
    ]);

    expect(await worker.drainAll()).toMatchObject({ claimed: 2, sent: 1, retried: 1 });
    expect(endpoint.requests(key(d))).toHaveLength(1);
    // Not due again until the back-off has passed (30 s after the first failure): nothing is sent.
    advance(29_000);
    expect((await worker.drainAll()).claimed).toBe(0);
    // 30 s, 1 min, 2 min: the 4th attempt is accepted.
    for (const wait of [1_000, 60_000, 120_000]) {
      advance(wait);
      await worker.drainAll();
    }
    expect(endpoint.requests(key(d)).map((h) => h.answered)).toEqual([503, 503, 503, 200]);
    expect(endpoint.accepted(key(d))).toHaveLength(1);
    expect((await rows(d)).find((r) => r.target === 'webhook')).toMatchObject({
      status: 'sent',
      attempts: 4,
    });
    // Hours later nothing more goes out.
    advance(6 * 3_600_000);
    expect((await worker.drainAll()).claimed).toBe(0);
    expect(endpoint.requests(key(d))).toHaveLength(4);

    // What arrived: the report, signed over its exact bytes with the district's secret.
    const hit = endpoint.accepted(key(d))[0]!;
    expect(hit.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(hit.body).digest('hex')}`);
    expect(hit.event).toBe('daily_report.submitted');
    expect(JSON.parse(hit.body)).toMatchObject({
      event: 'daily_report.submitted',
      districtId: school.districtId,
      schoolId: school.schoolId,
      date: d,
      revision: 1,
      totals: { enrolled: 4, present: 1, late: 1, excused: 1, absent: 1, pending: 0 },
    });
  });

  it('two workers (two replicas) draining the same deliveries at once send each report once', async () => {
    const dates = ['2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-23'];
    endpoint.answer = () => 200;
    endpoint.delayMs = 100; // slow answers: the second worker claims while the first is sending
    for (const d of dates) await submit(d);
    // Small batches, so the two replicas' rounds interleave over the ten deliveries.
    const replica = (id: string) =>
      new ReportDeliveryWorker(
        id,
        db,
        server.app.get(ReportDeliveriesRepository),
        server.app.get<symbol, ReportMailer | null>(REPORT_MAILER),
        clock,
        { leaseMs: 60_000, pollMs: 1_000, sendTimeoutMs: 10_000, batch: 2 },
        server.app.get<symbol, Logger>(LOGGER),
      );
    const [one, two] = [replica('replica-a'), replica('replica-b')];
    try {
      const [a, b] = await Promise.all([one.drainAll(), two.drainAll()]);
      expect(a.claimed + b.claimed).toBe(dates.length * 2);
      expect(a.claimed).toBeGreaterThan(0);
      expect(b.claimed).toBeGreaterThan(0);
    } finally {
      endpoint.delayMs = 0;
    }
    for (const d of dates) {
      expect(endpoint.requests(key(d))).toHaveLength(1);
      expect(smtp.messages().filter((m) => m.body.headers['x-report-id'] === key(d))).toHaveLength(1);
      expect((await rows(d)).map((r) => [r.target, r.status, r.attempts])).toEqual([
        ['email', 'sent', 1],
        ['webhook', 'sent', 1],
      ]);
    }
  });

  it('a permanent 4xx is failed at once with its reason; a district that keeps failing is given up after 10 attempts', async () => {
    const refused = '2026-11-10';
    const flaky = '2026-11-11';
    endpoint.answer = (k) => (k === key(refused) ? 422 : k === key(flaky) ? 503 : 200);
    await submit(refused);
    await submit(flaky);
    for (let i = 0; i < 14; i++) {
      await worker.drainAll();
      advance(2 * 3_600_000); // more than the longest back-off (1 h)
    }
    expect(endpoint.requests(key(refused))).toHaveLength(1);
    expect((await rows(refused)).find((r) => r.target === 'webhook')).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'webhook_http_422',
    });
    expect(endpoint.requests(key(flaky))).toHaveLength(10);
    expect((await rows(flaky)).find((r) => r.target === 'webhook')).toMatchObject({
      status: 'failed',
      attempts: 10,
      last_error: 'gave up after 10 attempts: webhook_http_503',
    });

    // The district officer sees the same through the API: every push of the day, and per school
    // in the day's report.
    admin = await asAdmin(server);
    const list = await admin.get(`/districts/${school.districtId}/reports/deliveries?date=${refused}`);
    expect(list.status).toBe(200);
    expect(
      list.body.deliveries.map(
        (x: { target: string; status: string; attempts: number; lastError: string }) => [
          x.target,
          x.status,
          x.attempts,
          x.lastError,
        ],
      ),
    ).toEqual([
      ['email', 'sent', 1, null],
      ['webhook', 'failed', 1, 'webhook_http_422'],
    ]);
    expect(list.body.deliveries[1]).toMatchObject({
      schoolId: school.schoolId,
      revision: 1,
      event: 'daily_report.submitted',
      lastStatus: 422,
      nextAttemptAt: null,
    });
    const day = await admin.get(`/districts/${school.districtId}/reports/daily?date=${flaky}`);
    const row = day.body.schools.find((x: { schoolId: string }) => x.schoolId === school.schoolId);
    expect(row.delivery.map((x: { target: string; status: string }) => [x.target, x.status])).toEqual([
      ['email', 'sent'],
      ['webhook', 'failed'],
    ]);
    expect((await admin.get(`/districts/${school.districtId}/reports/deliveries?date=nope`)).status).toBe(
      400,
    );
  });

  it('the district’s mailbox gets the report with the XLSX attached (Vietnamese text, numbers as numbers)', async () => {
    const d = '2026-11-16';
    const mail = smtp.messages().find((m) => m.body.headers['x-report-id'] === key(d));
    expect(mail?.body).toMatchObject({
      to: [MAIL_TO],
      from: 'baocao@dakha.edu.vn',
      subject: `Báo cáo chuyên cần ngày 16/11/2026 — THCS DH05 (lần 1)`,
      text: expect.stringContaining('Vắng có phép: 1'),
    });
    expect(mail!.key).toBe(`report.${school.schoolId}.${d}.r1@dakha.edu.vn`);
    expect(mail!.body.attachments).toHaveLength(1);
    const file = mail!.body.attachments[0]!;
    expect(file.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(file.filename).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.content as unknown as ExcelJS.Buffer);
    const ws = wb.worksheets[0]!;
    expect(String(ws.getCell(1, 1).value)).toContain('16/11/2026 — THCS DH05');
    expect(String(ws.getCell(1, 1).value)).toContain('bản 1');
    const header = (ws.getRow(2).values as unknown[]).slice(1).map(String);
    const col = (h: string) => header.indexOf(h) + 1;
    expect(col('Sĩ số')).toBeGreaterThan(0);
    // The school's totals row: numbers as numbers.
    let total: ExcelJS.Row | undefined;
    ws.eachRow((row) => {
      if (row.getCell(1).value === 'Toàn trường') total = row;
    });
    expect(total?.getCell(col('Sĩ số')).value).toBe(4);
    // The excused student with the reason, diacritics kept (NFC).
    const texts: string[] = [];
    ws.eachRow((row) => row.eachCell((c) => texts.push(String(c.value))));
    expect(texts).toContain('ốm, mẹ xin phép'.normalize('NFC'));
  });
});
