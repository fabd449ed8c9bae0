/**
 * Brandname SMS through eSMS (`SMS_PROVIDER=esms`): `POST {ESMS_URL}/MainService.svc/json/
 * SendMultipleMessage_V4_post_json/` with `RequestId` = the notification id, which eSMS uses to
 * block a duplicate for 24 h, so a retry after a lost answer is not a second SMS. Text without
 * diacritics (GSM-7, `IsUnicode: "0"`), at most `maxParts` SMS. eSMS does not sign its delivery
 * callbacks: a report is accepted only for a notification id of ours, and the `SMSID` it carries is
 * handed back (`providerMessageId`) for the caller to match against what the send returned.
 */
import {
  CallbackRejected,
  type DeliveryReport,
  type NotificationChannel,
  type OutgoingMessage,
  type ProviderCallback,
  type Recipient,
  type SendResult,
} from './channel.js';
import { providerRequest } from './provider-http.js';
import { fitSms, smsSegments, toSmsText } from './sms-text.js';
import { vnMobile } from './vn-phone.js';

export interface SmsChannelOptions {
  /** `ESMS_URL`, e.g. `https://rest.esms.vn`. */
  url: string;
  apiKey: string;
  secretKey: string;
  brandname: string;
  /** Where eSMS sends delivery reports (`…/api/v1/providers/esms/callback`); sent as `CallbackUrl` when set. */
  callbackUrl?: string;
  /** Longest message in SMS (each is paid for); longer texts are cut. Default 3. */
  maxParts?: number;
  /** The injected clock (ms): when a delivery report was received. */
  now?: () => number;
  limits?: { concurrency: number; perSecond: number };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** eSMS CodeResult → what it means for this message. */
function mapCode(code: string, message: string): SendResult {
  const error = `eSMS ${code}: ${message}`;
  switch (code) {
    case '99': // unknown error at eSMS
    case '101': // ApiKey/SecretKey refused: a key being rotated; the operator fixes it, the message waits
    case '102': // account locked
    case '103': // balance exhausted: topping up sends what waited
      return { outcome: 'retry', error };
    default: // 104 brandname, 118 SMS type, template errors: our configuration, another try fails the same way
      return { outcome: 'failed', error, forRecipient: false };
  }
}

export class SmsChannel implements NotificationChannel {
  readonly name = 'sms' as const;
  readonly limits: { concurrency: number; perSecond: number };
  private readonly endpoint: string;

  constructor(private readonly opts: SmsChannelOptions) {
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/MainService.svc/json/SendMultipleMessage_V4_post_json/`;
    this.limits = opts.limits ?? { concurrency: 8, perSecond: 50 };
  }

  canReach(recipient: Recipient): boolean {
    return vnMobile(recipient.phone) !== null;
  }

  /** The SMS text of a message and its SMS count (exported for previews and cost figures). */
  content(message: OutgoingMessage): { text: string; parts: number } {
    const text = fitSms(toSmsText(message.text), this.opts.maxParts ?? 3);
    return { text, parts: smsSegments(text).parts };
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult> {
    const phone = vnMobile(message.recipient.phone);
    if (!phone) return { outcome: 'failed', error: 'not a Vietnamese mobile number', forRecipient: true };
    const body = {
      ApiKey: this.opts.apiKey,
      SecretKey: this.opts.secretKey,
      Phone: phone.national,
      Content: this.content(message).text,
      Brandname: this.opts.brandname,
      SmsType: '2',
      IsUnicode: '0',
      RequestId: message.id,
      ...(this.opts.callbackUrl ? { CallbackUrl: this.opts.callbackUrl } : {}),
    };
    const answer = await providerRequest(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    if (!answer.ok) return answer.result;
    const res = answer.body as { CodeResult?: unknown; SMSID?: unknown; ErrorMessage?: unknown } | undefined;
    const code =
      typeof res?.CodeResult === 'string' || typeof res?.CodeResult === 'number'
        ? String(res.CodeResult)
        : null;
    if (code === null)
      return { outcome: 'retry', error: `eSMS answered without CodeResult: ${answer.text.slice(0, 200)}` };
    if (code === '100')
      return {
        outcome: 'sent',
        ...(typeof res?.SMSID === 'string' && res.SMSID ? { providerMessageId: res.SMSID } : {}),
      };
    return mapCode(code, typeof res?.ErrorMessage === 'string' ? res.ErrorMessage : '');
  }

  readonly reports = {
    /**
     * eSMS's GET callback `?SMSID=…&SendStatus=…&RequestId=…`: 5 delivered, 4 rejected; 1, 2 and
     * 7 are interim (no report). The caller must check `providerMessageId` against the `SMSID` the
     * send returned for that notification (eSMS does not sign).
     */
    parse: (cb: ProviderCallback): DeliveryReport[] => {
      if (cb.method !== 'GET') throw new CallbackRejected('eSMS calls back with GET');
      const { SMSID, SendStatus, RequestId } = cb.query;
      if (!RequestId || !UUID.test(RequestId))
        throw new CallbackRejected('RequestId is not a notification id of ours');
      if (!SMSID || !/^[0-9A-Za-z-]{8,64}$/.test(SMSID))
        throw new CallbackRejected('SMSID missing or malformed');
      const at = new Date(this.opts.now?.() ?? Date.now());
      switch (SendStatus) {
        case '5':
          return [
            { notificationId: RequestId.toLowerCase(), status: 'delivered', at, providerMessageId: SMSID },
          ];
        case '4':
          return [
            {
              notificationId: RequestId.toLowerCase(),
              status: 'failed',
              at,
              error: 'rejected by the telco (eSMS SendStatus 4)',
              providerMessageId: SMSID,
            },
          ];
        case '1':
        case '2':
        case '7':
          return [];
        default:
          throw new CallbackRejected(`unknown eSMS SendStatus ${String(SendStatus)}`);
      }
    },
  };
}
