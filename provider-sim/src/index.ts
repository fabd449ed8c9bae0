export { HttpStandIn, callBack, type DownMode, type Received, type Routed } from './http-stand-in.js';
export { CallbackRecorder, type RecordedCallback } from './callback-recorder.js';
export {
  EsmsStandIn,
  ESMS_CODES,
  ESMS_SEND_PATH,
  ESMS_SEND_STATUS,
  type EsmsRequest,
  type EsmsStandInOptions,
  type SmsReceived,
} from './esms.js';
export { smsParts } from './sms-segments.js';
export {
  ZaloStandIn,
  ZALO_TOKEN_PATH,
  ZNS_ERRORS,
  ZNS_SEND_PATH,
  type ZaloStandInOptions,
  type ZnsReceived,
  type ZnsRequest,
} from './zalo.js';
export { SmtpStandIn, type MailReceived, type SmtpStandInOptions } from './smtp.js';
export {
  WebPushStandIn,
  decryptAes128gcm,
  verifyVapid,
  type BrowserSubscription,
  type PushReceived,
  type WebPushStandInOptions,
} from './web-push.js';
export { InboxServer, inboxEntries, inboxHtml, type InboxEntry, type InboxSources } from './inbox.js';
export {
  DEMO_CREDENTIALS,
  startProviderSims,
  vapidKeys,
  type ProviderSims,
  type ProviderSimsOptions,
} from './provider-sims.js';
