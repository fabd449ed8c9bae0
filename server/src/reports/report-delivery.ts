/**
 * Pushing a school's submitted (or amended) daily report out to its district, apart from the rules
 * that decide when: a webhook of the district's own system (signed like CONTRACT §6's webhook) and
 * e-mail with the XLSX attached. The e-mail side is an interface only: the notifications e-mail
 * channel implements `ReportMailer` and is bound to `REPORT_MAILER` when it lands; until then
 * nothing is mailed (and the district view is the source of truth anyway).
 */
import { createHmac } from 'node:crypto';

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

/** What the e-mail channel implements for reports: one message with one attachment. */
export interface ReportMailer {
  sendReport(m: {
    to: string;
    subject: string;
    text: string;
    attachment: { fileName: string; contentType: string; content: Buffer };
  }): Promise<void>;
}

/** Nest token of the `ReportMailer` (optional binding). */
export const REPORT_MAILER = Symbol('REPORT_MAILER');

/** `sha256=<hex>` HMAC of the exact body bytes, as CONTRACT §6's webhook signs. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * POST the submission as JSON with `X-Signature` and `X-Report-Id` (`schoolId/date/revision`,
 * the receiver's idempotency key). Resolves with the HTTP status; throws on a network error.
 */
export async function postReportWebhook(
  url: string,
  secret: string,
  s: ReportSubmission,
  timeoutMs = 10_000,
): Promise<number> {
  const body = JSON.stringify(s);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-signature': signBody(secret, body),
      'x-report-id': `${s.schoolId}/${s.date}/${s.revision}`,
      'x-event': s.event,
    },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}
