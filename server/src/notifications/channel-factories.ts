/**
 * The provider channels (CONTRACT §6) this server can run, each on when its variables are set.
 * `email` and `push` add theirs here when they land (notify-channels).
 */
import type { ChannelFactory } from './channel-registry.js';
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

export const CHANNEL_FACTORIES: ChannelFactory[] = [zalo, sms];
