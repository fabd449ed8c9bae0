/**
 * Every stand-in at once (what `npm start` and the drills run): eSMS, Zalo (ZNS + OAuth on one
 * port), SMTP, Web Push and the demo inbox, each on its own free port unless given, with demo
 * credentials; `env` is what the server needs to talk to them (the §6 variables).
 */
import { createECDH } from 'node:crypto';
import { EsmsStandIn } from './esms.js';
import { InboxServer } from './inbox.js';
import { SmtpStandIn } from './smtp.js';
import { WebPushStandIn } from './web-push.js';
import { ZaloStandIn } from './zalo.js';

export interface ProviderSimsOptions {
  host?: string;
  ports?: { esms?: number; zalo?: number; smtp?: number; push?: number; inbox?: number };
  /** The server's base URL, for delivery reports (`/api/v1/providers/zalo/events`, `/api/v1/providers/esms/callback`). */
  callbackBase?: string;
  /** event → ZNS template id (default check_in 100001, check_out 100002, absent 100003). */
  zaloTemplates?: Record<string, string>;
  /** Phones (`84…`) that have no Zalo account (-118), to show the SMS fallback. */
  noZaloPhones?: string[];
}

export interface ProviderSims {
  esms: EsmsStandIn;
  zalo: ZaloStandIn;
  smtp: SmtpStandIn;
  push: WebPushStandIn;
  inbox: InboxServer;
  /** §6 variables pointing a server at these stand-ins. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const DEMO_CREDENTIALS = {
  esmsApiKey: 'demo-esms-api-key-2f9c',
  esmsSecretKey: 'demo-esms-secret-key-7d41b0',
  esmsBrandname: 'TRUONG-HOC',
  zaloAppId: '1234567890123456789',
  zaloAppSecret: 'demo-zalo-app-secret-K3v8',
  zaloRefreshToken: 'demo-zalo-first-refresh-token-5e2a',
  smtpUser: 'thongbao@truong.edu.vn',
  smtpPassword: 'demo-smtp-password-Zr4q',
} as const;

/** A VAPID key pair (P-256, base64url: the public key uncompressed, the private key the scalar). */
export function vapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: ecdh.getPrivateKey().toString('base64url'),
  };
}

export async function startProviderSims(opts: ProviderSimsOptions = {}): Promise<ProviderSims> {
  const host = opts.host ?? '127.0.0.1';
  const c = DEMO_CREDENTIALS;
  const templates = opts.zaloTemplates ?? { check_in: '100001', check_out: '100002', absent: '100003' };
  const base = opts.callbackBase?.replace(/\/+$/, '');
  const vapid = vapidKeys();
  const esms = new EsmsStandIn({
    host,
    port: opts.ports?.esms ?? 0,
    apiKey: c.esmsApiKey,
    secretKey: c.esmsSecretKey,
    brandnames: [c.esmsBrandname],
    ...(base ? { callbackUrl: `${base}/api/v1/providers/esms/callback` } : {}),
  });
  const zalo = new ZaloStandIn({
    host,
    port: opts.ports?.zalo ?? 0,
    appId: c.zaloAppId,
    appSecret: c.zaloAppSecret,
    refreshToken: c.zaloRefreshToken,
    noZaloPhones: opts.noZaloPhones ?? [],
    ...(base ? { callbackUrl: `${base}/api/v1/providers/zalo/events` } : {}),
  });
  const smtp = new SmtpStandIn({
    host,
    port: opts.ports?.smtp ?? 0,
    user: c.smtpUser,
    password: c.smtpPassword,
  });
  const push = new WebPushStandIn({ host, port: opts.ports?.push ?? 0, vapidPublicKey: vapid.publicKey });
  const inbox = new InboxServer({ esms, zalo, smtp, push }, { host, port: opts.ports?.inbox ?? 0 });
  const started: { stop(): Promise<void> }[] = [];
  try {
    for (const s of [esms, zalo, smtp, push, inbox]) {
      await s.start();
      started.push(s);
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.stop()));
    throw e;
  }
  const env: Record<string, string> = {
    ZALO_APP_ID: c.zaloAppId,
    ZALO_APP_SECRET: c.zaloAppSecret,
    ZALO_REFRESH_TOKEN: c.zaloRefreshToken,
    ZALO_TEMPLATES: JSON.stringify(templates),
    ZALO_ZNS_URL: zalo.url,
    ZALO_OAUTH_URL: zalo.url,
    SMS_PROVIDER: 'esms',
    ESMS_API_KEY: c.esmsApiKey,
    ESMS_SECRET_KEY: c.esmsSecretKey,
    ESMS_BRANDNAME: c.esmsBrandname,
    ESMS_URL: esms.url,
    SMTP_URL: smtp.url,
    MAIL_FROM: `"Nhà trường (demo)" <${c.smtpUser}>`,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: `mailto:${c.smtpUser}`,
  };
  return {
    esms,
    zalo,
    smtp,
    push,
    inbox,
    env,
    stop: async () => {
      await Promise.all([esms, zalo, smtp, push, inbox].map((s) => s.stop()));
    },
  };
}
