/**
 * The provider channels (CONTRACT §6) this server can run, each on when its variables are set.
 */
import type { ChannelFactory } from './channel-registry.js';
import { EmailChannel } from './channels/email.channel.js';
import { PushChannel } from './channels/push.channel.js';
import { PushSubscriptionRepository } from './channels/push-subscription.repository.js';
import { SmsChannel } from './channels/sms.channel.js';
import { ZaloChannel } from './channels/zalo.channel.js';
import { ZaloTokenRepository } from './channels/zalo-token.repository.js';

const zalo: ChannelFactory = ({ config, db }) =>
  config.zaloAppId && config.zaloAppSecret && config.zaloRefreshToken
    ? new ZaloChannel({
        appId: config.zaloAppId,
        appSecret: config.zaloAppSecret,
        refreshToken: config.zaloRefreshToken,
        templates: config.zaloTemplates,
        znsUrl: config.zaloZnsUrl,
        oauthUrl: config.zaloOauthUrl,
        tokens: new ZaloTokenRepository(db.pool, config.serverId),
      })
    : null;

const sms: ChannelFactory = ({ config }) =>
  config.smsProvider === 'esms' && config.esmsApiKey && config.esmsSecretKey && config.esmsBrandname
    ? new SmsChannel({ url: config.esmsUrl, apiKey: config.esmsApiKey, secretKey: config.esmsSecretKey, brandname: config.esmsBrandname })
    : null;

const email: ChannelFactory = ({ config }) => (config.smtpUrl && config.mailFrom ? new EmailChannel({ smtpUrl: config.smtpUrl, from: config.mailFrom }) : null);

const push: ChannelFactory = ({ config, db }) =>
  config.vapidPublicKey && config.vapidPrivateKey && config.vapidSubject
    ? new PushChannel({ publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject: config.vapidSubject, subscriptions: new PushSubscriptionRepository(db.pool) })
    : null;

export const CHANNEL_FACTORIES: ChannelFactory[] = [zalo, sms, email, push];
