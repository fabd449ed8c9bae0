/**
 * E-mail over SMTP (`SMTP_URL`, `MAIL_FROM`) with nodemailer: UTF-8 subject and body (diacritics
 * kept), `Message-ID: <notification id@MAIL_FROM's domain>` and `X-Notification-Id`, so a resend
 * after a lost answer is the same mail to a mailbox that dedupes, and a bounce can be traced.
 * A recipient refused at `RCPT TO` with 5xx (550 no such user, …) is a hard bounce: `failed` for
 * the recipient (fall back); 4xx, connection trouble and time-outs are `retry`.
 * The same transport mails the district its schools' daily reports with the XLSX attached
 * (`ReportMailer`, `Message-ID` from the report revision).
 */
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { NotificationChannel, OutgoingMessage, Recipient, SendResult } from './channel.js';
import type { DeliveryResult, ReportMail, ReportMailer } from '../../reports/report-delivery.js';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` (`smtps://` for implicit TLS). */
  smtpUrl: string;
  /** `MAIL_FROM`, e.g. `"Trường THCS Đống Đa" <thongbao@dongda.edu.vn>`. */
  from: string;
  /** Pooled SMTP connections (default 2). */
  maxConnections?: number;
  limits?: { concurrency: number; perSecond: number };
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** nodemailer's error → what it means for this message. */
export function mapSmtpError(e: SmtpError): SendResult {
  const code = e.responseCode;
  const error = `SMTP ${code ?? e.code ?? 'error'}${e.command ? ` at ${e.command}` : ''}: ${(e.response ?? e.message).slice(0, 300)}`;
  if (code === undefined || code < 500) return { outcome: 'retry', error }; // 4xx, refused, reset, timed out
  if (code === 530 || code === 534 || code === 535) return { outcome: 'retry', error }; // our login: the operator fixes it
  if (e.command === 'RCPT TO' || e.code === 'EENVELOPE')
    return { outcome: 'failed', error, forRecipient: true }; // hard bounce
  return { outcome: 'failed', error, forRecipient: false }; // the message itself was refused (size, policy)
}

export class EmailChannel implements NotificationChannel, ReportMailer {
  readonly name = 'email' as const;
  readonly limits: { concurrency: number; perSecond: number };
  private readonly transport: Transporter;
  private readonly domain: string;

  constructor(private readonly opts: EmailChannelOptions) {
    const u = new URL(opts.smtpUrl);
    this.transport = nodemailer.createTransport({
      host: u.hostname,
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: u.protocol === 'smtps:',
      ...(u.username
        ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
        : {}),
      pool: true,
      maxConnections: opts.maxConnections ?? 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    const addr = /<([^>]+)>\s*$/.exec(opts.from)?.[1] ?? opts.from;
    this.domain = addr.split('@')[1]?.trim() || 'localhost';
    this.limits = opts.limits ?? { concurrency: 4, perSecond: 20 };
  }

  canReach(recipient: Recipient): boolean {
    return !!recipient.email && EMAIL.test(recipient.email.trim());
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult> {
    const to = message.recipient.email?.trim();
    if (!to || !EMAIL.test(to))
      return { outcome: 'failed', error: 'no valid e-mail address', forRecipient: true };
    if (signal.aborted) return { outcome: 'retry', error: 'timed out before sending' };
    const lang = message.locale;
    return this.deliver(
      {
        from: this.opts.from,
        to: message.recipient.name ? { name: message.recipient.name, address: to } : to,
        subject: message.title,
        text: message.text,
        html: `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(message.title)}</title></head><body><p>${escapeHtml(message.text).replace(/\n/g, '<br>')}</p></body></html>`,
        messageId: `<${message.id}@${this.domain}>`,
        headers: { 'X-Notification-Id': message.id, 'Auto-Submitted': 'auto-generated' },
        textEncoding: 'quoted-printable',
      },
      signal,
    );
  }

  /** A district's report mail: UTF-8 text, the XLSX attached; a hard bounce or a refused message is `failed`. */
  async sendReport(m: ReportMail, signal: AbortSignal): Promise<DeliveryResult> {
    const to = m.to.trim();
    if (!EMAIL.test(to)) return { outcome: 'failed', error: 'no valid e-mail address' };
    if (signal.aborted) return { outcome: 'retry', error: 'timed out before sending' };
    const r = await this.deliver(
      {
        from: this.opts.from,
        to,
        subject: m.subject,
        text: m.text,
        messageId: `<${m.messageKey}@${this.domain}>`,
        headers: { ...m.headers, 'Auto-Submitted': 'auto-generated' },
        textEncoding: 'quoted-printable',
        attachments: [
          {
            filename: m.attachment.fileName,
            content: m.attachment.content,
            contentType: m.attachment.contentType,
          },
        ],
      },
      signal,
    );
    if (r.outcome === 'retry') return { outcome: 'retry', error: r.error };
    if (r.outcome === 'failed') return { outcome: 'failed', error: r.error };
    return { outcome: 'sent' };
  }

  private async deliver(options: SendMailOptions, signal: AbortSignal): Promise<SendResult> {
    const mail = this.transport.sendMail(options);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<SendResult>((resolve) => {
      onAbort = () =>
        resolve({
          outcome: 'retry',
          error: 'SMTP timed out (the mail may have gone: the same Message-ID is sent next time)',
        });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        mail.then(
          (info: { messageId?: string }): SendResult => ({
            outcome: 'sent',
            ...(info.messageId ? { providerMessageId: info.messageId } : {}),
          }),
          (e: unknown) => mapSmtpError(e as SmtpError),
        ),
        aborted,
      ]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      mail.catch(() => undefined);
    }
  }

  close(): void {
    this.transport.close();
  }
}
