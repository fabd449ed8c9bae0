/**
 * The provider channels (§6) that are configured: each is on when its variables are set. Settings
 * are named after the §6 variables (`ZALO_APP_ID` → `zaloAppId`, …) so the server's config can be
 * passed as it is.
 */
import type { NotificationChannel } from './channel.js';
import { EmailChannel } from './email.channel.js';
import { PushChannel } from './push.channel.js';
import { PushSubscriptionRepository } from './push-subscription.repository.js';
import { SmsChannel } from './sms.channel.js';
import { ZaloChannel } from './zalo.channel.js';
import { ZaloTokenRepository, type PgPool } from './zalo-token.repository.js';

export interface ProviderChannelSettings {
  zaloAppId?: string | undefined;
  zaloAppSecret?: string | undefined;
  zaloRefreshToken?: string | undefined;
  /** `ZALO_TEMPLATES` parsed: event → template id. */
  zaloTemplates?: Record<string, string> | undefined;
  zaloZnsUrl?: string | undefined;
  zaloOauthUrl?: string | undefined;
  /** Not in §6: the OA secret key webhooks are signed with, when it differs from the app secret. */
  zaloOaSecretKey?: string | undefined;
  smsProvider?: string | undefined;
  esmsApiKey?: string | undefined;
  esmsSecretKey?: string | undefined;
  esmsBrandname?: string | undefined;
  esmsUrl?: string | undefined;
  /** Not in §6: sent as eSMS `CallbackUrl` (the public URL of `/api/v1/providers/esms/callback`). */
  esmsCallbackUrl?: string | undefined;
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  vapidPublicKey?: string | undefined;
  vapidPrivateKey?: string | undefined;
  vapidSubject?: string | undefined;
}

export interface ProviderChannelDeps {
  pool: PgPool;
  serverId?: string;
  now?: () => number;
  /** Zalo's OAuth refused the stored refresh token for good (once across replicas). */
  onZaloLoginLost?: (reason: string) => void;
}

export function providerChannels(
  s: ProviderChannelSettings,
  deps: ProviderChannelDeps,
): NotificationChannel[] {
  const out: NotificationChannel[] = [];
  if (s.zaloAppId && s.zaloAppSecret && s.zaloRefreshToken && s.zaloTemplates) {
    out.push(
      new ZaloChannel({
        appId: s.zaloAppId,
        appSecret: s.zaloAppSecret,
        refreshToken: s.zaloRefreshToken,
        templates: s.zaloTemplates,
        ...(s.zaloZnsUrl ? { znsUrl: s.zaloZnsUrl } : {}),
        ...(s.zaloOauthUrl ? { oauthUrl: s.zaloOauthUrl } : {}),
        ...(s.zaloOaSecretKey ? { oaSecretKey: s.zaloOaSecretKey } : {}),
        tokens: new ZaloTokenRepository(deps.pool, deps.serverId),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.onZaloLoginLost ? { onLoginLost: deps.onZaloLoginLost } : {}),
      }),
    );
  }
  if (s.smsProvider === 'esms' && s.esmsApiKey && s.esmsSecretKey && s.esmsBrandname) {
    out.push(
      new SmsChannel({
        url: s.esmsUrl ?? 'https://rest.esms.vn',
        apiKey: s.esmsApiKey,
        secretKey: s.esmsSecretKey,
        brandname: s.esmsBrandname,
        ...(s.esmsCallbackUrl ? { callbackUrl: s.esmsCallbackUrl } : {}),
        ...(deps.now ? { now: deps.now } : {}),
      }),
    );
  }
  if (s.smtpUrl && s.mailFrom) out.push(new EmailChannel({ smtpUrl: s.smtpUrl, from: s.mailFrom }));
  if (s.vapidPublicKey && s.vapidPrivateKey && s.vapidSubject) {
    out.push(
      new PushChannel({
        publicKey: s.vapidPublicKey,
        privateKey: s.vapidPrivateKey,
        subject: s.vapidSubject,
        subscriptions: new PushSubscriptionRepository(deps.pool),
      }),
    );
  }
  return out;
}
