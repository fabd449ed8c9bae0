/**
 * SMTP stand-in: a real SMTP server (`smtp-server`) whose accepted mails are parsed with
 * `mailparser` (MIME, encoded words, UTF-8 bodies) and kept per recipient. Addresses configured as
 * bouncing are refused at `RCPT TO` with `550 5.1.1` (a hard bounce, as a receiving MTA does);
 * switched down it refuses connections or greets with `421` (try later).
 *
 * Idempotency: SMTP has none; mailboxes (and the stand-in) treat a repeated `Message-ID` as the same
 * mail, which is why the e-mail channel sets `Message-ID` from the notification id.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { DownMode, Received } from './http-stand-in.js';

export interface MailReceived {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  messageId: string;
  headers: Record<string, string>;
  /** Attached files, decoded. */
  attachments: { filename: string; contentType: string; content: Buffer }[];
  /** The raw message as it arrived. */
  raw: string;
}

export interface SmtpStandInOptions {
  port?: number;
  host?: string;
  /** Required login (`SMTP_URL`'s user and password); none when absent. */
  user?: string;
  password?: string;
  /** Addresses that hard-bounce (`550 5.1.1 mailbox unavailable`). */
  bouncing?: string[];
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  if (!a) return [];
  return (Array.isArray(a) ? a : [a]).flatMap((o) => o.value.map((v) => (v.address ?? '').toLowerCase()));
}

export class SmtpStandIn {
  readonly kind = 'smtp';
  readonly bouncing: Set<string>;
  requestCount = 0;
  private server: SMTPServer | null = null;
  private boundPort: number;
  private readonly host: string;
  private downMode: DownMode | null = null;
  private delayMs = 0;
  private readonly byKey = new Map<string, Received<MailReceived>>();

  constructor(private readonly opts: SmtpStandInOptions = {}) {
    this.boundPort = opts.port ?? 0;
    this.host = opts.host ?? '127.0.0.1';
    this.bouncing = new Set((opts.bouncing ?? []).map((b) => b.toLowerCase()));
  }

  get port(): number {
    return this.boundPort;
  }

  /** `smtp://user:pass@host:port`, as `SMTP_URL` takes it. */
  get url(): string {
    const auth = this.opts.user
      ? `${encodeURIComponent(this.opts.user)}:${encodeURIComponent(this.opts.password ?? '')}@`
      : '';
    return `smtp://${auth}${this.host}:${this.boundPort}`;
  }

  async start(): Promise<this> {
    if (this.server) return this;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !this.opts.user,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 200,
      size: 10 * 1024 * 1024,
      onConnect: (_session, cb) => {
        if (this.downMode === 'error') {
          const err = Object.assign(new Error('Service not available, try again later'), {
            responseCode: 421,
          });
          cb(err);
          return;
        }
        cb();
      },
      // Connections opened before the outage (a client's pool) are refused per mail.
      onMailFrom: (_address, _session, cb) => {
        if (this.downMode === 'error')
          cb(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
        else cb();
      },
      onAuth: (auth, _session, cb) => {
        if (auth.username === this.opts.user && auth.password === this.opts.password)
          cb(null, { user: auth.username });
        else cb(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
      },
      onRcptTo: (address: SMTPServerAddress, _session, cb) => {
        if (this.bouncing.has(address.address.toLowerCase())) {
          cb(
            Object.assign(new Error('5.1.1 The email account that you tried to reach does not exist'), {
              responseCode: 550,
            }),
          );
          return;
        }
        cb();
      },
      onData: (stream, _session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          void this.accept(Buffer.concat(chunks)).then(
            () => cb(),
            (e: unknown) =>
              cb(Object.assign(new Error(`could not read the message: ${String(e)}`), { responseCode: 451 })),
          );
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async down(mode: DownMode = 'refuse'): Promise<void> {
    this.downMode = mode;
    if (mode === 'refuse') await this.stop();
  }

  async up(): Promise<void> {
    this.downMode = null;
    await this.start();
  }

  get isDown(): boolean {
    return this.downMode !== null;
  }

  slow(ms: number): void {
    this.delayMs = ms;
  }

  messages(): Received<MailReceived>[] {
    return [...this.byKey.values()];
  }

  message(key: string): Received<MailReceived> | undefined {
    return this.byKey.get(key);
  }

  /** Mails one address received. */
  forAddress(address: string): Received<MailReceived>[] {
    const a = address.toLowerCase();
    return this.messages().filter((m) => m.body.to.includes(a));
  }

  clear(): void {
    this.byKey.clear();
    this.requestCount = 0;
  }

  private async accept(raw: Buffer): Promise<void> {
    this.requestCount += 1;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const mail = await simpleParser(raw);
    const messageId = mail.messageId ?? `<no-message-id-${this.requestCount}@stand-in>`;
    const key = messageId.replace(/^<|>$/g, '');
    const seen = this.byKey.get(key);
    if (seen) {
      seen.requests += 1;
      return;
    }
    const headers: Record<string, string> = {};
    for (const line of mail.headerLines)
      headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
    const to = addresses(mail.to);
    this.byKey.set(key, {
      key,
      providerMessageId: key,
      to: to.join(', '),
      at: new Date(),
      requests: 1,
      body: {
        from: addresses(mail.from)[0] ?? '',
        to,
        subject: mail.subject ?? '',
        text: mail.text ?? '',
        html: typeof mail.html === 'string' ? mail.html : null,
        messageId: key,
        headers,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename ?? '',
          contentType: a.contentType,
          content: a.content,
        })),
        raw: raw.toString('utf8'),
      },
    });
  }
}
