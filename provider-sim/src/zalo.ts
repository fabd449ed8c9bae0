/**
 * Zalo stand-in: the ZNS API (`POST /message/template`, header `access_token`) and the OA OAuth v4
 * token endpoint (`POST /v4/oa/access_token`, form `refresh_token, app_id, grant_type`, header
 * `secret_key`) on one port (point both `ZALO_ZNS_URL` and `ZALO_OAUTH_URL` at it), answering in
 * Zalo's shapes and codes; and the OA webhook `user_received_message` sent to a configured URL,
 * signed `X-ZEvent-Signature: mac=sha256(appId + body + timestamp + OA secret key)` as Zalo does.
 *
 * Tokens as Zalo issues them: an access token lives `accessTokenTtlSec` (Zalo: 25 h); a refresh
 * token works once — refreshing returns a new pair and the old refresh token is dead from then on.
 *
 * Idempotency: ZNS echoes `tracking_id` in its callbacks but does not document refusing a repeat.
 * The stand-in keeps one message per `tracking_id` (answering a repeat with the first `msg_id`) and
 * counts the requests per id, so drills see both "messages" and "would the real ZNS have sent it
 * twice" (`requests > 1`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { callBack, HttpStandIn, type Received, type Routed } from './http-stand-in.js';

export const ZNS_SEND_PATH = '/message/template';
export const ZALO_TOKEN_PATH = '/v4/oa/access_token';

/** ZNS error codes the stand-in answers. */
export const ZNS_ERRORS = {
  unknown: -100,
  phoneInvalid: -108,
  templateInvalid: -109,
  templateDataInvalid: -112,
  noZaloAccount: -118,
  tokenInvalid: -216,
  tokenExpired: -220,
} as const;

export interface ZnsRequest {
  phone: string;
  template_id: string;
  template_data: Record<string, unknown>;
  tracking_id?: string;
}

export interface ZnsReceived {
  request: ZnsRequest;
  msgId: string;
}

export interface ZaloStandInOptions {
  port?: number;
  host?: string;
  appId: string;
  /** The app's secret (OAuth `secret_key` header). */
  appSecret: string;
  /** The first refresh token (as given to the server in `ZALO_REFRESH_TOKEN`). */
  refreshToken: string;
  /** The OA secret key the webhook is signed with (defaults to the app secret). */
  oaSecretKey?: string;
  oaId?: string;
  accessTokenTtlSec?: number;
  /** Template id → the parameters it requires and their longest value (ZNS checks both). */
  templates?: Record<string, Record<string, number>>;
  /** Phones (`84…`) without a Zalo account: `-118`. */
  noZaloPhones?: string[];
  /** Where `user_received_message` goes (the server's `/api/v1/providers/zalo/events`). */
  callbackUrl?: string;
  /** The stand-in's clock (ms), for token expiry in tests. */
  now?: () => number;
}

interface AccessToken {
  expiresAt: number;
}

export class ZaloStandIn extends HttpStandIn<ZnsReceived> {
  readonly kind = 'zalo';
  callbackUrl: string | undefined;
  readonly noZaloPhones: Set<string>;
  /** Successful refreshes so far (tests: "refreshed once"). */
  refreshes = 0;
  /** Refresh attempts with a dead or unknown refresh token. */
  refusedRefreshes = 0;
  readonly reportsSent: { trackingId: string; ok: boolean }[] = [];
  private liveRefreshToken: string;
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly now: () => number;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly opts: ZaloStandInOptions) {
    super(opts);
    this.liveRefreshToken = opts.refreshToken;
    this.callbackUrl = opts.callbackUrl;
    this.noZaloPhones = new Set(opts.noZaloPhones ?? []);
    this.now = opts.now ?? Date.now;
  }

  /** Back to the start: no messages, no tokens issued, the first refresh token live again. */
  reset(): void {
    this.clear();
    this.accessTokens.clear();
    this.liveRefreshToken = this.opts.refreshToken;
    this.refreshes = 0;
    this.refusedRefreshes = 0;
    this.reportsSent.length = 0;
  }

  /** Kills every access token at once (Zalo revoked them: the next send gets `-216`). */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** The refresh token that works now (what the server must have stored). */
  get currentRefreshToken(): string {
    return this.liveRefreshToken;
  }

  forPhone(phone: string): Received<ZnsReceived>[] {
    return this.messages().filter((m) => m.to === phone);
  }

  async flushReports(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  protected route(
    method: string,
    url: URL,
    body: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Routed | null {
    if (method === 'POST' && url.pathname === ZALO_TOKEN_PATH) return this.token(body, headers);
    if (method === 'POST' && url.pathname === ZNS_SEND_PATH) return this.send(body, headers);
    return null;
  }

  private token(body: Buffer, headers: Record<string, string | string[] | undefined>): Routed {
    this.requestCount += 1;
    const form = new URLSearchParams(body.toString('utf8'));
    const err = (error: number, reason: string): Routed => ({
      status: 200,
      json: { error, error_name: 'Invalid parameter', error_reason: reason, error_description: reason },
    });
    if (form.get('app_id') !== this.opts.appId) return err(-14001, 'Invalid app_id');
    if (headers['secret_key'] !== this.opts.appSecret) return err(-14002, 'Invalid secret key');
    if (form.get('grant_type') !== 'refresh_token') return err(-14004, 'Invalid grant_type');
    if (form.get('refresh_token') !== this.liveRefreshToken) {
      this.refusedRefreshes += 1;
      return err(-14014, 'Invalid refresh token');
    }
    const ttl = this.opts.accessTokenTtlSec ?? 90_000;
    const access = `zat-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(access, { expiresAt: this.now() + ttl * 1000 });
    this.liveRefreshToken = `zrt-${randomBytes(24).toString('base64url')}`;
    this.refreshes += 1;
    return {
      status: 200,
      json: { access_token: access, refresh_token: this.liveRefreshToken, expires_in: String(ttl) },
    };
  }

  private send(body: Buffer, headers: Record<string, string | string[] | undefined>): Routed {
    this.requestCount += 1;
    const fail = (error: number, message: string): Routed => ({ status: 200, json: { error, message } });
    const token = headers['access_token'];
    const known = typeof token === 'string' ? this.accessTokens.get(token) : undefined;
    if (!known) return fail(ZNS_ERRORS.tokenInvalid, 'Access token is invalid');
    if (known.expiresAt <= this.now()) return fail(ZNS_ERRORS.tokenExpired, 'Access token has expired');
    let req: ZnsRequest;
    try {
      req = JSON.parse(body.toString('utf8')) as ZnsRequest;
    } catch {
      return fail(ZNS_ERRORS.unknown, 'Body is not JSON');
    }
    if (typeof req.phone !== 'string' || !/^84\d{9}$/.test(req.phone))
      return fail(ZNS_ERRORS.phoneInvalid, 'Phone number is invalid');
    const template = this.opts.templates?.[req.template_id];
    if (this.opts.templates && !template) return fail(ZNS_ERRORS.templateInvalid, 'Template id is invalid');
    if (typeof req.template_data !== 'object' || req.template_data === null)
      return fail(ZNS_ERRORS.templateDataInvalid, 'Template data is invalid');
    for (const [name, value] of Object.entries(req.template_data)) {
      if (typeof value !== 'string' || value.trim() === '')
        return fail(ZNS_ERRORS.templateDataInvalid, `Param ${name} is empty`);
      const max = template?.[name] ?? 200;
      if ([...value].length > max)
        return fail(ZNS_ERRORS.templateDataInvalid, `Param ${name} exceeds ${max} characters`);
    }
    for (const name of Object.keys(template ?? {})) {
      if (!(name in req.template_data))
        return fail(ZNS_ERRORS.templateDataInvalid, `Param ${name} is missing`);
    }
    if (this.noZaloPhones.has(req.phone))
      return fail(ZNS_ERRORS.noZaloAccount, 'User is not existed or inactive');
    const key = req.tracking_id || `no-tracking-id-${randomBytes(8).toString('hex')}`;
    const { rec, isNew } = this.record(key, () => {
      const msgId = randomBytes(16).toString('hex');
      return { providerMessageId: msgId, to: req.phone, body: { request: req, msgId } };
    });
    if (isNew && req.tracking_id) this.report(rec);
    return {
      status: 200,
      json: {
        error: 0,
        message: 'Success',
        data: {
          msg_id: rec.providerMessageId,
          sent_time: String(rec.at.getTime()),
          quota: { dailyQuota: '5000', remainingQuota: String(Math.max(0, 5000 - this.messages().length)) },
        },
      },
    };
  }

  /** The OA webhook body and signature for a delivered message (exported shape for tests of forgery). */
  signedEvent(rec: Received<ZnsReceived>): { body: string; signature: string } {
    const timestamp = String(this.now());
    const oaId = this.opts.oaId ?? '1032900368574141011';
    const body = JSON.stringify({
      app_id: this.opts.appId,
      oa_id: oaId,
      user_id_by_app: '',
      event_name: 'user_received_message',
      timestamp,
      sender: { id: oaId },
      recipient: { id: createHash('sha1').update(rec.to).digest('hex').slice(0, 19) },
      message: { msg_id: rec.providerMessageId, tracking_id: rec.key, delivery_time: timestamp },
    });
    const mac = createHash('sha256')
      .update(this.opts.appId + body + timestamp + (this.opts.oaSecretKey ?? this.opts.appSecret))
      .digest('hex');
    return { body, signature: `mac=${mac}` };
  }

  private report(rec: Received<ZnsReceived>): void {
    const url = this.callbackUrl;
    if (!url) return;
    const { body, signature } = this.signedEvent(rec);
    const p = callBack(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': signature },
      body,
    }).then((ok) => {
      this.reportsSent.push({ trackingId: rec.key, ok });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}
