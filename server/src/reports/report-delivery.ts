/**
 * Pushing a school's submitted (or amended) daily report out to its district: a webhook of the
 * district's own system (signed as the school webhook channel signs, CONTRACT §6) and e-mail with
 * the XLSX attached (the notifications e-mail channel implements `ReportMailer`). What is sent and
 * when is durable: `report_deliveries` rows written with the submission, drained by
 * `ReportDeliveryWorker` (report-delivery.worker.ts). This file is the protocol of one attempt and
 * the retry policy; it never touches the database.
 */
import { PassThrough } from 'node:stream';
import type { SchoolDailyReport } from '@rfid/protocol';
import { signBody } from '../notifications/channels/webhook.channel.js';
import { schoolDayTable } from './report-tables.js';
import { writeXlsx } from './writers/xlsx.writer.js';

export interface ReportSubmission {
  event: 'daily_report.submitted' | 'daily_report.amended';
  districtId: string;
  schoolId: string;
  schoolName: string;
  date: string;
  revision: number;
  submittedAt: string | null;
  totals: {
    enrolled: number;
    present: number;
    late: number;
    absent: number;
    excused: number;
    pending: number;
  };
  changes: { studentId: string; from: string; to: string }[];
}

/** How one attempt went: `retry` is transient (the worker backs off), `failed` permanent. */
export type DeliveryResult =
  | { outcome: 'sent'; status?: number }
  | { outcome: 'retry'; error: string; status?: number; retryAfterMs?: number }
  | { outcome: 'failed'; error: string; status?: number };

export interface ReportMail {
  to: string;
  subject: string;
  text: string;
  /** Left part of the `Message-ID`, stable per report revision: a mailbox treats a repeat as the same mail. */
  messageKey: string;
  headers: Record<string, string>;
  attachment: { fileName: string; contentType: string; content: Buffer };
}

/** What the e-mail channel implements for reports: one message with one attachment. */
export interface ReportMailer {
  sendReport(m: ReportMail, signal: AbortSignal): Promise<DeliveryResult>;
  close?(): void;
}

/** Nest token of the `ReportMailer` (null when `SMTP_URL`/`MAIL_FROM` are not set). */
export const REPORT_MAILER = Symbol('REPORT_MAILER');

/** At most this many attempts per delivery; then it is `failed` with the last error. */
export const MAX_DELIVERY_ATTEMPTS = 10;

/** Back-off after the n-th failed attempt: 30 s · 2ⁿ⁻¹, at most 1 h (30 s, 1 min, 2 min, … 1 h). */
export function deliveryBackoffMs(attempt: number, retryAfterMs?: number): number {
  const exp = Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.max(exp, Math.min(retryAfterMs ?? 0, 6 * 3_600_000));
}

/** The receiver's idempotency key: the report (school and day) and its revision. */
export function reportKey(s: { schoolId: string; date: string; revision: number }): string {
  return `${s.schoolId}/${s.date}/${s.revision}`;
}

/**
 * POST the submission as JSON with `X-Signature` (HMAC-SHA256 of the exact body, as §6),
 * `Idempotency-Key` and `X-Report-Id` (both `schoolId/date/revision`) and `X-Event`.
 * 2xx → sent; 408/425/429/5xx, a time-out or a network error → retry; another 4xx → failed
 * (the district's endpoint refuses this report: retrying would be refused the same way).
 */
export async function postReportWebhook(
  url: string,
  secret: string,
  s: ReportSubmission,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const body = JSON.stringify(s);
  const key = reportKey(s);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'x-signature': signBody(body, secret),
        'idempotency-key': key,
        'x-report-id': key,
        'x-event': s.event,
      },
      body,
      signal,
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { outcome: 'sent', status: res.status };
    const error = `webhook_http_${res.status}`;
    if (res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500) {
      const ra = Number(res.headers.get('retry-after'));
      return {
        outcome: 'retry',
        error,
        status: res.status,
        ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
      };
    }
    return { outcome: 'failed', error, status: res.status };
  } catch (e) {
    return {
      outcome: 'retry',
      error: `webhook_${signal.aborted ? 'timeout' : 'unreachable'}: ${(e as Error).message}`.slice(0, 300),
    };
  }
}

/** The day's table (as the school's XLSX export has it) as bytes, for an attachment. */
export async function xlsxBuffer(report: SchoolDailyReport): Promise<{ fileName: string; content: Buffer }> {
  const table = schoolDayTable(report);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  await writeXlsx(table, out);
  out.end();
  await done;
  return { fileName: `${table.fileName}.xlsx`, content: Buffer.concat(chunks) };
}

const ddmmyyyy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

/** The e-mail of one report revision: Vietnamese subject and text, the XLSX attached. */
export async function reportMail(
  to: string,
  s: ReportSubmission,
  report: SchoolDailyReport,
): Promise<ReportMail> {
  const t = s.totals;
  const amended = s.event === 'daily_report.amended';
  const subject = `${amended ? 'Báo cáo điều chỉnh' : 'Báo cáo chuyên cần'} ngày ${ddmmyyyy(s.date)} — ${s.schoolName} (lần ${s.revision})`;
  const lines = [
    `${s.schoolName} gửi báo cáo chuyên cần ngày ${ddmmyyyy(s.date)}${amended ? ` (điều chỉnh, lần ${s.revision})` : ''}.`,
    '',
    `Sĩ số: ${t.enrolled}`,
    `Có mặt đúng giờ: ${t.present}`,
    `Đi muộn: ${t.late}`,
    `Vắng có phép: ${t.excused}`,
    `Vắng không phép: ${t.absent}`,
    ...(t.pending ? [`Chưa xác định: ${t.pending}`] : []),
    ...(amended && s.changes.length ? ['', `Thay đổi so với lần trước: ${s.changes.length} học sinh.`] : []),
    '',
    'Chi tiết theo lớp, khối và danh sách học sinh vắng, đi muộn trong tệp đính kèm.',
  ];
  const file = await xlsxBuffer(report);
  const key = reportKey(s);
  return {
    to,
    subject,
    text: lines.join('\n'),
    messageKey: `report.${s.schoolId}.${s.date}.r${s.revision}`,
    headers: { 'X-Report-Id': key, 'Idempotency-Key': key, 'X-Event': s.event },
    attachment: {
      fileName: file.fileName,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      content: file.content,
    },
  };
}
