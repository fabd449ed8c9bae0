/**
 * eSMS brandname SMS stand-in: `POST /MainService.svc/json/SendMultipleMessage_V4_post_json/` as
 * eSMS documents it (JSON `ApiKey, SecretKey, Phone, Content, Brandname, SmsType, IsUnicode,
 * RequestId`), answering `{CodeResult: "100", SMSID}` or an eSMS error code, and calling back the
 * delivery status with an HTTP GET (`SMSID, SendStatus, RequestId, …`) as eSMS does.
 *
 * Idempotency: eSMS documents `RequestId` as the partner's key "to block duplicates", for 24 hours.
 * The stand-in keeps one message per `RequestId` and answers a repeat with the first answer (the
 * same `SMSID`), so a retry after a lost answer is never a second SMS.
 */
import { randomBytes } from 'node:crypto';
import { callBack, HttpStandIn, type Received, type Routed } from './http-stand-in.js';
import { smsParts } from './sms-segments.js';

export const ESMS_SEND_PATH = '/MainService.svc/json/SendMultipleMessage_V4_post_json/';

/** eSMS result codes the stand-in answers (eSMS's table of error codes). */
export const ESMS_CODES = {
  ok: '100',
  unknown: '99',
  badKey: '101',
  locked: '102',
  noBalance: '103',
  badBrandname: '104',
  badSmsType: '118',
} as const;

/** eSMS `SendStatus` in callbacks: 5 sent successfully, 4 rejected (1 pending approval, 2 waiting, 7 at the telco). */
export const ESMS_SEND_STATUS = { delivered: '5', rejected: '4' } as const;

export interface EsmsRequest {
  ApiKey: string;
  SecretKey: string;
  Phone: string;
  Content: string;
  Brandname: string;
  SmsType: string;
  IsUnicode: string;
  RequestId: string;
  CallbackUrl?: string;
}

export interface SmsReceived {
  request: EsmsRequest;
  /** What the phone shows. */
  content: string;
  gsm7: boolean;
  parts: number;
}

export interface EsmsStandInOptions {
  port?: number;
  host?: string;
  apiKey: string;
  secretKey: string;
  brandnames?: string[];
  /** Where delivery reports go when the request names no `CallbackUrl` (e.g. `http://server/api/v1/providers/esms/callback`). */
  callbackUrl?: string;
  /** Numbers the telco rejects after eSMS accepted the message (the report says `SendStatus` 4). */
  rejectedPhones?: string[];
}

const PHONE = /^(?:0|84)(?:3|5|7|8|9)\d{8}$/;

export class EsmsStandIn extends HttpStandIn<SmsReceived> {
  readonly kind = 'esms';
  callbackUrl: string | undefined;
  readonly rejectedPhones: Set<string>;
  /** Reports sent to the server (for tests and the inbox). */
  readonly reportsSent: { SMSID: string; RequestId: string; SendStatus: string; ok: boolean }[] = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: EsmsStandInOptions) {
    super(opts);
    this.callbackUrl = opts.callbackUrl;
    this.rejectedPhones = new Set(opts.rejectedPhones ?? []);
  }

  /** Messages a phone received (national or `84` form both match). */
  forPhone(phone: string): Received<SmsReceived>[] {
    const tail = phone.replace(/^(?:\+?84|0)/, '');
    return this.messages().filter((m) => m.to.replace(/^(?:84|0)/, '') === tail);
  }

  /** Resolves once every delivery report started so far was sent (or gave up). */
  async flushReports(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  protected route(method: string, url: URL, body: Buffer): Routed | null {
    if (method !== 'POST' || url.pathname.replace(/\/?$/, '/') !== ESMS_SEND_PATH) return null;
    this.requestCount += 1;
    let req: EsmsRequest;
    try {
      req = JSON.parse(body.toString('utf8')) as EsmsRequest;
    } catch {
      return { status: 400, text: 'Request body is not JSON' };
    }
    const fail = (code: string, msg: string): Routed => ({
      status: 200,
      json: { CodeResult: code, ErrorMessage: msg },
    });
    if (req.ApiKey !== this.opts.apiKey || req.SecretKey !== this.opts.secretKey)
      return fail(ESMS_CODES.badKey, 'Authorize Failed');
    if (this.opts.brandnames && !this.opts.brandnames.includes(req.Brandname))
      return fail(ESMS_CODES.badBrandname, 'Brandname code is not exist');
    if (req.SmsType !== '2') return fail(ESMS_CODES.badSmsType, 'Sms type is not valid');
    if (typeof req.Phone !== 'string' || !PHONE.test(req.Phone))
      return fail(ESMS_CODES.unknown, 'Phone number is not valid');
    if (typeof req.Content !== 'string' || req.Content.length === 0)
      return fail(ESMS_CODES.unknown, 'Content is empty');
    const key =
      typeof req.RequestId === 'string' && req.RequestId !== ''
        ? req.RequestId
        : `no-request-id-${randomBytes(8).toString('hex')}`;
    const { rec, isNew } = this.record(key, () => {
      const seg = smsParts(req.Content);
      return {
        providerMessageId: `${randomBytes(16).toString('hex')}${Math.floor(Math.random() * 900 + 100)}`,
        to: req.Phone,
        body: { request: req, content: req.Content, gsm7: seg.gsm7, parts: seg.parts },
      };
    });
    if (isNew) this.report(rec, req.CallbackUrl || this.callbackUrl);
    return {
      status: 200,
      json: { CodeResult: ESMS_CODES.ok, CountRegenerate: 0, SMSID: rec.providerMessageId },
    };
  }

  private report(rec: Received<SmsReceived>, url: string | undefined): void {
    if (!url) return;
    const status = this.rejectedPhones.has(rec.to) ? ESMS_SEND_STATUS.rejected : ESMS_SEND_STATUS.delivered;
    const q = new URLSearchParams({
      SMSID: rec.providerMessageId,
      SendStatus: status,
      RequestId: rec.key,
      SendSuccess: status === ESMS_SEND_STATUS.delivered ? '1' : '0',
      SendFailed: status === ESMS_SEND_STATUS.delivered ? '0' : '1',
      TotalReceiver: '1',
      TotalSent: '1',
      TypeId: '2',
      phonenumber: rec.to,
    });
    const target = new URL(url);
    for (const [k, v] of q) target.searchParams.set(k, v);
    const p = callBack(target.toString(), { method: 'GET' }).then((ok) => {
      this.reportsSent.push({ SMSID: rec.providerMessageId, RequestId: rec.key, SendStatus: status, ok });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
