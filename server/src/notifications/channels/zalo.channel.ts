/**
 * Zalo ZNS template messages: `POST {ZALO_ZNS_URL}/message/template` with the OA access token in
 * the `access_token` header and `{phone: "84…", template_id, template_data, tracking_id}`,
 * `tracking_id` = the notification id (Zalo echoes it in `user_received_message`).
 *
 * The access token comes from `POST {ZALO_OAUTH_URL}/v4/oa/access_token` with the one-use refresh
 * token stored in `zalo_tokens` and rotated under that row's lock (`ZaloTokenRepository`), before
 * it expires or when ZNS says it is invalid/expired (-216/-220): then one refresh and one retry.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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
import { vnMobile } from './vn-phone.js';
import type { ZaloTokenRepository, ZaloTokenRow } from './zalo-token.repository.js';
import { znsTemplateData } from './zns-template-data.js';

export interface ZaloChannelOptions {
  appId: string;
  appSecret: string;
  /** `ZALO_REFRESH_TOKEN`: the first refresh token; seeded into `zalo_tokens` once. */
  refreshToken: string;
  /** `ZALO_TEMPLATES`: event → ZNS template id. */
  templates: Record<string, string>;
  znsUrl?: string;
  oauthUrl?: string;
  /** The OA secret key OA webhooks are signed with (Zalo's app dashboard); the app secret when not set. */
  oaSecretKey?: string;
  tokens: ZaloTokenRepository;
  /** Injected clock (ms), for token expiry. */
  now?: () => number;
  /** Refresh when the access token has less than this left (default 10 min). */
  refreshMarginMs?: number;
  /** Oldest webhook accepted (default 24 h): a replayed old callback is refused. */
  maxEventAgeMs?: number;
  limits?: { concurrency: number; perSecond: number };
  /**
   * Called once (across replicas) when Zalo's OAuth refuses the stored refresh token for good: the
   * OA must be authorised again (a new `ZALO_REFRESH_TOKEN`). The operators' alert.
   */
  onLoginLost?: (reason: string) => void;
}

/** How long a replica trusts its memory that the login is lost before reading the row again. */
const LOGIN_LOST_RECHECK_MS = 60_000;

/** ZNS codes that are about the recipient: fall back to their next channel. */
const RECIPIENT_ERRORS = new Set([-108, -118, -119, -139]);
/** ZNS codes about our request or template: no fallback, no retry. */
const REQUEST_ERRORS = new Set([-101, -102, -103, -109, -111, -112, -113, -114, -115, -1123]);
const TOKEN_ERRORS = new Set([-216, -220, -124]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class RefreshFailed extends Error {}
/** Zalo's OAuth refused the refresh token (`refreshToken`) for good: no retry can fix it. */
class LoginLost extends Error {
  constructor(
    message: string,
    readonly refreshToken = '',
  ) {
    super(message);
  }
}

/**
 * Without a login no guardian can be reached on Zalo until an operator acts: each falls back to
 * their next channel now rather than retrying Zalo until the message is stale.
 */
const loginLost = (e: LoginLost): SendResult => ({
  outcome: 'failed',
  error: `zalo_login_lost: ${e.message}`,
  forRecipient: true,
});

export class ZaloChannel implements NotificationChannel {
  readonly name = 'zalo' as const;
  readonly limits: { concurrency: number; perSecond: number };
  private readonly znsUrl: string;
  private readonly oauthUrl: string;
  private readonly now: () => number;
  private cached: ZaloTokenRow | null = null;
  private lost: { reason: string; at: number } | null = null;
  private seeded: Promise<void> | null = null;
  /** One refresh at a time in this process (across replicas the row lock does it). */
  private refreshing: Promise<ZaloTokenRow> | null = null;

  constructor(private readonly opts: ZaloChannelOptions) {
    this.znsUrl = (opts.znsUrl ?? 'https://business.openapi.zalo.me').replace(/\/+$/, '');
    this.oauthUrl = (opts.oauthUrl ?? 'https://oauth.zaloapp.com').replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
    this.limits = opts.limits ?? { concurrency: 8, perSecond: 50 };
  }

  canReach(recipient: Recipient): boolean {
    return vnMobile(recipient.phone) !== null;
  }

  async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult> {
    const phone = vnMobile(message.recipient.phone);
    if (!phone) return { outcome: 'failed', error: 'not a Vietnamese mobile number', forRecipient: true };
    const templateId = this.opts.templates[message.event];
    if (!templateId)
      return { outcome: 'failed', error: `no ZNS template for event ${message.event}`, forRecipient: true };
    const body = JSON.stringify({
      phone: phone.international,
      template_id: templateId,
      template_data: znsTemplateData(message.params),
      tracking_id: message.id,
    });

    let token: ZaloTokenRow;
    try {
      token = await this.accessToken(null, signal);
    } catch (e) {
      if (e instanceof LoginLost) return loginLost(e);
      return { outcome: 'retry', error: `Zalo token: ${(e as Error).message}` };
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await providerRequest(`${this.znsUrl}/message/template`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', access_token: token.accessToken ?? '' },
        body,
        signal,
      });
      if (!answer.ok) return answer.result;
      const res = answer.body as
        { error?: unknown; message?: unknown; data?: { msg_id?: unknown } } | undefined;
      const code = typeof res?.error === 'number' ? res.error : Number(res?.error);
      const why = `ZNS ${String(res?.error)}: ${typeof res?.message === 'string' ? res.message : ''}`;
      if (code === 0)
        return {
          outcome: 'sent',
          ...(typeof res?.data?.msg_id === 'string' ? { providerMessageId: res.data.msg_id } : {}),
        };
      if (Number.isNaN(code))
        return {
          outcome: 'retry',
          error: `ZNS answered without an error code: ${answer.text.slice(0, 200)}`,
        };
      if (TOKEN_ERRORS.has(code)) {
        if (attempt > 0) return { outcome: 'retry', error: `${why} (after a refresh)` };
        try {
          token = await this.accessToken(token.accessToken, signal);
        } catch (e) {
          if (e instanceof LoginLost) return loginLost(e);
          return { outcome: 'retry', error: `${why}; refresh failed: ${(e as Error).message}` };
        }
        continue;
      }
      if (RECIPIENT_ERRORS.has(code)) return { outcome: 'failed', error: why, forRecipient: true };
      if (REQUEST_ERRORS.has(code)) return { outcome: 'failed', error: why, forRecipient: false };
      // -100 unknown, quota, sending window, rate limits: transient
      return { outcome: 'retry', error: why };
    }
  }

  /**
   * A usable access token: the cached one while it has `refreshMarginMs` left; otherwise the stored
   * one (another replica may have refreshed); otherwise a refresh under the row lock. `failed` is
   * the token ZNS just refused: it must not be handed out again.
   */
  private async accessToken(failed: string | null, signal: AbortSignal): Promise<ZaloTokenRow> {
    const margin = this.opts.refreshMarginMs ?? 10 * 60_000;
    const fresh = (t: ZaloTokenRow | null): t is ZaloTokenRow =>
      !!t &&
      !!t.accessToken &&
      t.accessToken !== failed &&
      !!t.accessExpiresAt &&
      t.accessExpiresAt.getTime() - margin > this.now();
    if (fresh(this.cached)) return this.cached;
    if (this.lost && this.now() - this.lost.at < LOGIN_LOST_RECHECK_MS) throw new LoginLost(this.lost.reason);
    this.seeded ??= this.opts.tokens.seed(this.opts.appId, this.opts.refreshToken).catch((e: unknown) => {
      this.seeded = null;
      throw e;
    });
    await this.seeded;
    const stored = await this.opts.tokens.read(this.opts.appId);
    const lostReason = stored?.loginLostAt ? (stored.loginLostReason ?? 'refresh token refused') : null;
    if (fresh(stored)) return (this.cached = stored);
    if (lostReason !== null) {
      this.lost = { reason: lostReason, at: this.now() };
      throw new LoginLost(lostReason);
    }
    this.lost = null;
    this.refreshing ??= this.opts.tokens
      .rotate(this.opts.appId, async (current) => (fresh(current) ? null : this.refresh(current, signal)))
      .catch(async (e: unknown) => {
        if (e instanceof LoginLost) {
          this.lost = { reason: e.message, at: this.now() };
          const first = await this.opts.tokens
            .markLoginLost(this.opts.appId, e.refreshToken, e.message)
            .catch(() => false);
          if (first) this.opts.onLoginLost?.(e.message);
        }
        throw e;
      })
      .finally(() => {
        this.refreshing = null;
      });
    const next = await this.refreshing;
    if (!fresh(next)) throw new RefreshFailed('no usable access token after a refresh');
    return (this.cached = next);
  }

  private async refresh(current: ZaloTokenRow, signal: AbortSignal): Promise<ZaloTokenRow> {
    const answer = await providerRequest(`${this.oauthUrl}/v4/oa/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: this.opts.appSecret },
      body: new URLSearchParams({
        refresh_token: current.refreshToken,
        app_id: this.opts.appId,
        grant_type: 'refresh_token',
      }).toString(),
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
    });
    if (!answer.ok)
      throw new RefreshFailed('error' in answer.result ? answer.result.error : 'refresh refused');
    const r = answer.body as
      | {
          access_token?: unknown;
          refresh_token?: unknown;
          expires_in?: unknown;
          error?: unknown;
          error_description?: unknown;
          error_reason?: unknown;
        }
      | undefined;
    if (typeof r?.access_token !== 'string' || typeof r.refresh_token !== 'string') {
      // The refresh token itself refused (-14014 invalid refresh token: spent, expired or revoked):
      // no retry can bring it back. A wrong app id or secret is our configuration (fixed and
      // restarted, the same refresh token works again): retried like anything else without tokens.
      if (
        Number(r?.error) === -14014 ||
        /refresh[ _]?token/i.test(`${String(r?.error_description ?? '')} ${String(r?.error_reason ?? '')}`)
      )
        throw new LoginLost(
          `Zalo OAuth ${String(r?.error)}: ${String(r?.error_description ?? '')}`.trim(),
          current.refreshToken,
        );
      throw new RefreshFailed(
        `Zalo OAuth ${String(r?.error)}: ${String(r?.error_description ?? answer.text.slice(0, 200))}`,
      );
    }
    const ttlSec = Number(r.expires_in ?? 90_000);
    return {
      refreshToken: r.refresh_token,
      accessToken: r.access_token,
      accessExpiresAt: new Date(this.now() + (Number.isFinite(ttlSec) ? ttlSec : 3600) * 1000),
    };
  }

  readonly reports = {
    /**
     * An OA webhook: `X-ZEvent-Signature: mac=<sha256(appId + body + timestamp + OA secret key)>`
     * over the exact body, `app_id` ours, not older than `maxEventAgeMs`. `user_received_message`
     * with our `tracking_id` is `delivered`; other OA events carry no report.
     */
    parse: (cb: ProviderCallback): DeliveryReport[] => {
      if (cb.method !== 'POST') throw new CallbackRejected('Zalo events are POSTed');
      const raw = cb.rawBody.toString('utf8');
      let event: {
        app_id?: unknown;
        event_name?: unknown;
        timestamp?: unknown;
        message?: { tracking_id?: unknown; msg_id?: unknown; delivery_time?: unknown };
      };
      try {
        event = JSON.parse(raw) as typeof event;
      } catch {
        throw new CallbackRejected('body is not JSON');
      }
      const timestamp =
        typeof event.timestamp === 'string' || typeof event.timestamp === 'number'
          ? String(event.timestamp)
          : '';
      const header = cb.headers['x-zevent-signature'] ?? '';
      const given = header.replace(/^mac\s*=\s*/, '');
      const want = createHash('sha256')
        .update(this.opts.appId + raw + timestamp + (this.opts.oaSecretKey ?? this.opts.appSecret))
        .digest('hex');
      if (given.length !== want.length || !timingSafeEqual(Buffer.from(given), Buffer.from(want)))
        throw new CallbackRejected('X-ZEvent-Signature does not match');
      if (String(event.app_id) !== this.opts.appId) throw new CallbackRejected('app_id is not ours');
      const at = Number(timestamp);
      if (!Number.isFinite(at) || Math.abs(this.now() - at) > (this.opts.maxEventAgeMs ?? 24 * 3600_000))
        throw new CallbackRejected('event timestamp missing or too old');
      if (event.event_name !== 'user_received_message') return [];
      const trackingId = event.message?.tracking_id;
      if (typeof trackingId !== 'string' || !UUID.test(trackingId))
        throw new CallbackRejected('tracking_id is not a notification id of ours');
      const delivered = Number(event.message?.delivery_time);
      return [
        {
          notificationId: trackingId.toLowerCase(),
          status: 'delivered',
          at: new Date(Number.isFinite(delivered) ? delivered : at),
          ...(typeof event.message?.msg_id === 'string' ? { providerMessageId: event.message.msg_id } : {}),
        },
      ];
    },
  };
}
