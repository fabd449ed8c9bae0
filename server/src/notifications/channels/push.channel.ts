/**
 * Web Push to the browsers a parent subscribed (`web-push`: RFC 8291 aes128gcm payload, RFC 8292
 * VAPID with `VAPID_PUBLIC_KEY`/`VAPID_PRIVATE_KEY`/`VAPID_SUBJECT`). The notification id is the
 * RFC 8030 `Topic` (dashes dropped: 32 URL-safe characters), so a resend replaces rather than
 * doubles a message the push service still holds. A push service answering 404/410 removes the
 * subscription; when a guardian has none left the channel cannot reach them (`failed`,
 * `forRecipient`). Sent when at least one of the guardian's browsers accepted it.
 */
import webpush from 'web-push';
import type { NotificationChannel, OutgoingMessage, Recipient, SendResult } from './channel.js';
import { retryAfterMs } from './provider-http.js';
import type { PushSubscriptionRepository, PushSubscriptionRow } from './push-subscription.repository.js';

export interface PushChannelOptions {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact for the push services. */
  subject: string;
  subscriptions: PushSubscriptionRepository;
  /** How long a push service keeps an undelivered message (default 4 h: a check-in is news for a morning). */
  ttlSec?: number;
  /** Where the notification opens on the parent's page. */
  url?: string;
  limits?: { concurrency: number; perSecond: number };
}

/** What the parent page's service worker receives (JSON). */
export interface PushPayload {
  id: string;
  event: string;
  title: string;
  body: string;
  lang: 'vi' | 'en';
  url?: string;
}

type Attempt =
  | { kind: 'ok' }
  | { kind: 'gone' }
  | { kind: 'retry'; error: string; after?: number }
  | { kind: 'failed'; error: string };

export class PushChannel implements NotificationChannel {
  readonly name = 'push' as const;
  readonly limits: { concurrency: number; perSecond: number };

  constructor(private readonly opts: PushChannelOptions) {
    this.limits = opts.limits ?? { concurrency: 16, perSecond: 200 };
  }

  async canReach(recipient: Recipient): Promise<boolean> {
    return (await this.opts.subscriptions.countForGuardian(recipient.guardianId)) > 0;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult> {
    const subs = await this.opts.subscriptions.forGuardian(message.recipient.guardianId);
    if (subs.length === 0) return { outcome: 'failed', error: 'no push subscription', forRecipient: true };
    const payload: PushPayload = {
      id: message.id,
      event: message.event,
      title: message.title,
      body: message.text,
      lang: message.locale,
      ...(this.opts.url ? { url: this.opts.url } : {}),
    };
    const attempts = await Promise.all(
      subs.map((s) => this.push(s, JSON.stringify(payload), message.id, signal)),
    );
    if (attempts.some((a) => a.kind === 'ok')) return { outcome: 'sent' };
    const retry = attempts.find((a): a is Extract<Attempt, { kind: 'retry' }> => a.kind === 'retry');
    if (retry)
      return {
        outcome: 'retry',
        error: retry.error,
        ...(retry.after !== undefined ? { retryAfterMs: retry.after } : {}),
      };
    if (
      attempts.every((a) => a.kind === 'gone') &&
      (await this.opts.subscriptions.countForGuardian(message.recipient.guardianId)) === 0
    ) {
      return { outcome: 'failed', error: 'every push subscription is gone (404/410)', forRecipient: true };
    }
    const failed = attempts.find((a): a is Extract<Attempt, { kind: 'failed' }> => a.kind === 'failed');
    return { outcome: 'failed', error: failed?.error ?? 'push refused', forRecipient: false };
  }

  private async push(
    sub: PushSubscriptionRow,
    payload: string,
    id: string,
    signal: AbortSignal,
  ): Promise<Attempt> {
    // web-push encrypts (RFC 8291) and signs the VAPID JWT (RFC 8292); the request itself goes
    // through fetch so the worker's abort signal applies.
    let req: webpush.RequestDetails;
    try {
      req = webpush.generateRequestDetails(
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        payload,
        {
          vapidDetails: {
            subject: this.opts.subject,
            publicKey: this.opts.publicKey,
            privateKey: this.opts.privateKey,
          },
          TTL: this.opts.ttlSec ?? 4 * 3600,
          urgency: 'high',
          topic: id.replace(/-/g, ''),
          contentEncoding: 'aes128gcm',
        },
      );
    } catch (e) {
      return { kind: 'failed', error: `cannot encrypt for this subscription: ${(e as Error).message}` }; // malformed keys
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    let res: Response;
    let text: string;
    try {
      res = await fetch(req.endpoint, {
        method: 'POST',
        headers,
        body: req.body ? new Uint8Array(req.body) : null,
        signal,
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return {
        kind: 'retry',
        error: `push service unreachable: ${err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : (err.cause?.code ?? err.message)}`,
      };
    }
    if (res.status >= 200 && res.status < 300) {
      await this.opts.subscriptions.markSent(sub.endpoint);
      return { kind: 'ok' };
    }
    return this.mapError(sub, res.status, text, res.headers.get('retry-after'));
  }

  private async mapError(
    sub: PushSubscriptionRow,
    status: number,
    body: string,
    retryAfter: string | null,
  ): Promise<Attempt> {
    const error = `push service ${status}: ${body.slice(0, 200)}`;
    if (status === 404 || status === 410) {
      await this.opts.subscriptions.removeEndpoint(sub.endpoint);
      return { kind: 'gone' };
    }
    if (status === 429 || status >= 500) {
      const after = retryAfterMs(retryAfter);
      return { kind: 'retry', error, ...(after !== undefined ? { after } : {}) };
    }
    return { kind: 'failed', error }; // 400 bad payload, 401/403 VAPID, 413 too large: ours
  }
}
