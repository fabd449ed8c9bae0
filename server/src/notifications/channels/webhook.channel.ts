/**
 * `webhook`: a school's own app, registered per school through the API with its secret.
 * Staff alerts go the same way with `audience: "staff"`, the school id and no guardian.
 * `POST` JSON to the school's URL with `X-Signature: sha256=<hex HMAC-SHA256 of the body>` and
 * `X-Notification-Id` (the receiver dedupes on it: a retry after a crash repeats the id).
 * 2xx → sent; 408/425/429/5xx, a time-out or a network error → retry; another 4xx → failed (the
 * school's endpoint refuses it: no guardian-specific fallback).
 */
import { createHmac } from 'node:crypto';
import type { SqlClient } from '../../db/database.service.js';
import type { NotificationChannel, OutgoingMessage, Recipient, SendResult } from './channel.js';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Reads a school's webhook (cached briefly: registrations are rare, sends are many). */
export class WebhookTargets {
  private cache = new Map<string, { at: number; target: WebhookTarget | null }>();
  constructor(
    private readonly db: SqlClient,
    private readonly ttlMs = 5_000,
  ) {}

  async get(schoolId: string): Promise<WebhookTarget | null> {
    const hit = this.cache.get(schoolId);
    if (hit && performance.now() - hit.at < this.ttlMs) return hit.target;
    const r = await this.db.query<WebhookTarget>(
      'SELECT url, secret FROM school_webhooks WHERE school_id = $1',
      [schoolId],
    );
    const target = r.rows[0] ?? null;
    this.cache.set(schoolId, { at: performance.now(), target });
    return target;
  }

  forget(schoolId: string): void {
    this.cache.delete(schoolId);
  }
}

export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook' as const;
  readonly limits = { concurrency: 16, perSecond: 200 };

  constructor(private readonly targets: WebhookTargets) {}

  async canReach(recipient: Recipient): Promise<boolean> {
    return (await this.targets.get(recipient.schoolId)) !== null;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult> {
    const target = await this.targets.get(message.recipient.schoolId);
    if (!target) return { outcome: 'failed', error: 'webhook_not_registered', forRecipient: true };
    const body = JSON.stringify({
      id: message.id,
      event: message.event,
      locale: message.locale,
      title: message.title,
      text: message.text,
      params: message.params,
      ...(message.recipient.audience === 'staff'
        ? { audience: 'staff', schoolId: message.recipient.schoolId, guardian: null }
        : {
            guardian: {
              id: message.recipient.guardianId,
              name: message.recipient.name,
              phone: message.recipient.phone,
            },
          }),
    });
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-signature': signBody(body, target.secret),
          'x-notification-id': message.id,
        },
        body,
        signal,
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { outcome: 'sent' };
      if (res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500) {
        const ra = Number(res.headers.get('retry-after'));
        return {
          outcome: 'retry',
          error: `webhook_http_${res.status}`,
          ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}),
        };
      }
      return { outcome: 'failed', error: `webhook_http_${res.status}`, forRecipient: false };
    } catch (e) {
      return {
        outcome: 'retry',
        error: `webhook_${signal.aborted ? 'timeout' : 'unreachable'}: ${(e as Error).message}`.slice(0, 300),
      };
    }
  }
}
