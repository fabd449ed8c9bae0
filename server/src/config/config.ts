/**
 * Server configuration: parsed and validated once, from the environment (CLI) or from an object
 * (`createServer`, tests). `process.env` is read here and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { passwordProblem } from '../auth/password-policy.js';

const port = z.coerce.number().int().min(0).max(65535);
/** A port, or `off` (or `false`) for a listener that is not wanted: null. */
const portOrOff = z
  .union([z.literal('off'), z.literal(false), z.null(), port])
  .transform((v) => (v === 'off' || v === false || v === null ? null : v));
const optionalPath = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.string().url().optional())
  .optional();

const optionalString = z
  .string()
  .transform((s) => (s.trim() === '' ? undefined : s))
  .optional();
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');
/** JSON object of string → string (from the environment as text). */
const jsonRecord = z
  .union([z.string(), z.record(z.string(), z.string())])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return {} as Record<string, string>;
    if (typeof v !== 'string') return v;
    try {
      return z.record(z.string(), z.string()).parse(JSON.parse(v));
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'a JSON object of strings, e.g. {"check_in":"123456"}',
      });
      return z.NEVER;
    }
  });
/** Per-channel limits of the notification worker, overriding the channels' defaults. */
export interface ChannelLimitsOverride {
  concurrency?: number;
  perSecond?: number;
}
const channelLimit = z
  .object({
    concurrency: z.number().int().min(1).max(10_000).optional(),
    perSecond: z.number().positive().max(1_000_000).optional(),
  })
  .strict();
const LIMIT_CHANNELS = ['zalo', 'sms', 'email', 'push', 'webhook', 'in_app'] as const;
const channelLimits = z
  .record(z.string(), channelLimit)
  .refine(
    (r) => Object.keys(r).every((k) => (LIMIT_CHANNELS as readonly string[]).includes(k)),
    'unknown channel',
  );
/** `NOTIFY_LIMITS`: JSON `{"zalo":{"concurrency":64,"perSecond":2000},"sms":{…}}` (or the object itself). */
const notifyLimits = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .optional()
  .transform((v, ctx): Partial<Record<(typeof LIMIT_CHANNELS)[number], ChannelLimitsOverride>> => {
    if (v === undefined || v === '') return {};
    try {
      return channelLimits.parse(typeof v === 'string' ? JSON.parse(v) : v);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          'a JSON object channel → {concurrency?, perSecond?}, e.g. {"zalo":{"concurrency":64,"perSecond":2000}}',
      });
      return z.NEVER;
    }
  });
/** `HH:MM-HH:MM` → minutes of the day [start, end), or null for none. */
export interface QuietHours {
  start: number;
  end: number;
}
const quietHours = z
  .union([z.string(), z.object({ start: z.number(), end: z.number() }), z.null()])
  .transform((v, ctx): QuietHours | null => {
    if (v === null || typeof v === 'object') return v;
    if (v.trim() === '' || v.trim() === 'none') return null;
    const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(v.trim());
    const start = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    const end = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
    if (!m || start >= 1440 || end > 1440 || Number(m[2]) > 59 || Number(m[4]) > 59 || start === end) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'HH:MM-HH:MM, e.g. 21:00-06:00' });
      return z.NEVER;
    }
    return { start, end };
  });
/** A comma-separated list (environment) or an array (in-process). */
const csv = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const ConfigSchema = z.object({
  /** External PostgreSQL; absent → embedded PostgreSQL under `${dataDir}/pg`. */
  databaseUrl: optionalUrl,
  /** External MQTT broker; absent → embedded aedes broker on `mqttPort`. */
  mqttUrl: optionalUrl,
  /** The broker URL gateways dial (as a school sees the server), written into generated gateway configs. */
  gatewayMqttUrl: optionalUrl,
  /** Plain MQTT of the embedded broker; `off` → TLS only. */
  mqttPort: portOrOff.default(1883),
  /** MQTT over TLS of the embedded broker (CONTRACT §5); `off` → plain only. */
  mqttsPort: portOrOff.default(8883),
  /** The broker's certificate, key and the CA gateways trust (PEM paths); absent → generated in `{dataDir}/tls/`. */
  tlsCert: optionalPath,
  tlsKey: optionalPath,
  tlsCa: optionalPath,
  /** More host names / addresses a generated server certificate covers (comma-separated): the name gateways dial. */
  tlsNames: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((n) => n.trim()).filter((n) => n.length > 0))
    .default([]),
  /** Interface the embedded broker binds (all interfaces: gateways connect from the school LAN). */
  mqttHost: z.string().default('0.0.0.0'),
  httpPort: port.default(3000),
  httpHost: z.string().default('0.0.0.0'),
  adminPassword: z
    .string()
    .superRefine((p, ctx) => {
      const problem = passwordProblem(p, 'admin');
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  dataDir: z.string().default('./data'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  jwtSecret: z.string().min(16).optional(),
  /** Names this instance in logs, MQTT client ids and metrics. */
  serverId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default(`${hostname()}-${process.pid}`),
  /** Shared-subscription group on an external broker: instances in one group split the taps. */
  mqttShareGroup: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('rfid-server'),
  /** Credentials of the server's own MQTT client on an external broker. */
  mqttUsername: z.string().optional(),
  mqttPassword: z.string().optional(),
  /** Ingest tuning: taps per transaction, wait to coalesce, transactions in flight, taps queued. */
  ingestMaxBatch: z.coerce.number().int().min(1).default(2000),
  ingestLingerMs: z.coerce.number().int().min(0).default(5),
  ingestConcurrency: z.coerce.number().int().min(1).default(2),
  ingestMaxQueued: z.coerce.number().int().min(1).default(20000),
  /** Mosquitto dynamic security on MQTT_URL: the server creates each gateway's client and ACL. */
  mqttDynsec: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
    .transform((v) => v === true || v === 'true' || v === '1')
    .default(false),
  /** How often each replica looks for due scheduled jobs (absence marking); 0 = never. */
  schedulerIntervalMs: z.coerce.number().int().min(0).default(60_000),
  /** Redis for Socket.IO across replicas (@socket.io/redis-adapter); absent → one instance. */
  redisUrl: optionalUrl,
  /** Seconds to wait after a roster change before republishing (coalesces imports). */
  rosterDebounceMs: z.coerce.number().int().min(0).default(500),

  // --- Parent notifications (CONTRACT §6). A channel is on when its variables are set. ---
  /** Zalo ZNS: the OA app, its first refresh token (rotated ones are stored by the server), event → template_id. */
  zaloAppId: optionalString,
  zaloAppSecret: optionalString,
  zaloRefreshToken: optionalString,
  zaloTemplates: jsonRecord,
  zaloZnsUrl: z.string().url().default('https://business.openapi.zalo.me'),
  zaloOauthUrl: z.string().url().default('https://oauth.zaloapp.com'),
  /** Brandname SMS: `esms` (the one provider spoken so far). */
  smsProvider: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['esms']).optional()),
  esmsApiKey: optionalString,
  esmsSecretKey: optionalString,
  esmsBrandname: optionalString,
  esmsUrl: z.string().url().default('https://rest.esms.vn'),
  /** E-mail: `smtp://user:pass@host:port` and the From address. */
  smtpUrl: optionalUrl,
  mailFrom: optionalString,
  /** Web Push (VAPID). */
  vapidPublicKey: optionalString,
  vapidPrivateKey: optionalString,
  vapidSubject: optionalString,
  /** A check-in/out whose tap is older than this (minutes) when first handled is `skipped` (`stale`). */
  notifyMaxAgeMin: z.coerce.number().int().min(1).default(120),
  /** School-local hours when nothing goes to parents (`HH:MM-HH:MM`, may wrap midnight; `` = none). */
  notifyQuietHours: quietHours.default({ start: 21 * 60, end: 6 * 60 }),
  /** Whether this replica drains the notification outbox (any number of replicas may). */
  notifyWorker: bool.default(true),
  /** Tries of one channel before the message is `failed` (transient errors only). */
  notifyMaxAttempts: z.coerce.number().int().min(1).default(8),
  /** A message still retrying this many minutes after it was recorded is `failed` (`expired`). */
  notifyGiveUpAfterMin: z.coerce.number().int().min(1).default(240),
  /** Back-off of the n-th retry: min(max, base·2ⁿ⁻¹) with full jitter (ms). */
  notifyBackoffBaseMs: z.coerce.number().int().min(1).default(2_000),
  notifyBackoffMaxMs: z.coerce.number().int().min(1).default(300_000),
  /** How long a claimed message stays leased to a worker (ms); a crashed worker's lease expires. */
  notifyLeaseMs: z.coerce.number().int().min(1000).default(60_000),
  /** Messages claimed per round, and a provider call's time-out (ms). */
  notifyBatch: z.coerce.number().int().min(1).max(10_000).default(500),
  notifySendTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** Fallback poll for due retries when no NOTIFY arrives (ms). */
  notifyPollMs: z.coerce.number().int().min(10).default(1_000),
  /** Staff alerts: an outage is announced once it has lasted this long (minutes; a reboot or a flap is not news). */
  alertGraceMin: z.coerce.number().int().min(0).default(3),
  /** Staff alerts: the morning window opens this many minutes before the school's on-time limit and closes at its late limit. */
  alertLeadMin: z.coerce.number().int().min(0).default(90),
  /** Staff alerts: at most one "offline" alert per school in this many minutes; outages meanwhile go into the next one (digest). */
  alertDigestMin: z.coerce.number().int().min(0).default(15),
  /** Staff alerts: this many schools of one district with a gateway down within `alertDistrictWindowMin` is a district-wide drop. */
  alertDistrictSchools: z.coerce.number().int().min(2).default(3),
  alertDistrictWindowMin: z.coerce.number().int().min(1).default(10),
  /** Per-provider concurrency and rate (messages/s started), overriding each channel's default (zalo and sms 8 at once, 50/s). */
  notifyLimits: notifyLimits,
  /** Browser origins allowed to call the API and open Socket.IO from another site; empty = same origin only. */
  corsOrigins: csv.default([]),
  /** Bearer token `/metrics` requires; absent → `/metrics` answers loopback callers only. */
  metricsToken: z.string().min(16).optional(),
  /** Access-token lifetime (JWT); at most 15 minutes. */
  accessTokenTtlSeconds: z.coerce.number().int().min(30).max(900).default(900),
  /** Refresh-token lifetime: a session unused this long ends (each use rotates the token). */
  refreshTokenTtlSeconds: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600),
  /** `iss` and `aud` of the access tokens, checked on every request. */
  jwtIssuer: z.string().min(1).default('rfid-attendance'),
  jwtAudience: z.string().min(1).default('rfid-attendance-api'),
  /** API requests per minute per client address across all replicas; 0 = no limit. */
  apiRateLimitPerMinute: z.coerce.number().int().min(0).default(1200),
  /** Prefix of the throttle counters in Redis (several deployments or test runs on one Redis). */
  throttleKeyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
    .default('rfid'),
  /** Failed logins of one username from one address before it is locked, and for how long. */
  loginMaxFailures: z.coerce.number().int().min(1).default(5),
  loginLockSeconds: z.coerce.number().int().min(1).default(60),
  /** Proxy hops in front of the server whose X-Forwarded-For is trusted (0 = none; the compose nginx: 1). */
  trustProxy: z.coerce.number().int().min(0).max(10).default(0),
  /** Retention in days (0 = keep for ever): taps, notifications, audit log, dead letters. */
  retentionTapsDays: z.coerce.number().int().min(0).default(400),
  retentionNotificationsDays: z.coerce.number().int().min(0).default(90),
  retentionAuditDays: z.coerce.number().int().min(0).default(1825),
  retentionDeadLettersDays: z.coerce.number().int().min(0).default(30),
});

export type ServerConfig = z.infer<typeof ConfigSchema>;
/** What a caller (tests, `createServer`) may pass: the schema's input, before defaults. */
export type ServerConfigInput = z.input<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

const ENV_NAMES: Record<keyof ServerConfig, string> = {
  databaseUrl: 'DATABASE_URL',
  mqttUrl: 'MQTT_URL',
  mqttPort: 'MQTT_PORT',
  mqttsPort: 'MQTTS_PORT',
  gatewayMqttUrl: 'GATEWAY_MQTT_URL',
  tlsCert: 'TLS_CERT',
  tlsKey: 'TLS_KEY',
  tlsCa: 'TLS_CA',
  tlsNames: 'TLS_NAMES',
  mqttHost: 'MQTT_HOST',
  httpPort: 'HTTP_PORT',
  httpHost: 'HTTP_HOST',
  adminPassword: 'ADMIN_PASSWORD',
  dataDir: 'DATA_DIR',
  logLevel: 'LOG_LEVEL',
  jwtSecret: 'JWT_SECRET',
  serverId: 'SERVER_ID',
  mqttShareGroup: 'MQTT_SHARE_GROUP',
  mqttUsername: 'MQTT_USERNAME',
  mqttPassword: 'MQTT_PASSWORD',
  ingestMaxBatch: 'INGEST_MAX_BATCH',
  ingestLingerMs: 'INGEST_LINGER_MS',
  ingestConcurrency: 'INGEST_CONCURRENCY',
  ingestMaxQueued: 'INGEST_MAX_QUEUED',
  rosterDebounceMs: 'ROSTER_DEBOUNCE_MS',
  mqttDynsec: 'MQTT_DYNSEC',
  redisUrl: 'REDIS_URL',
  schedulerIntervalMs: 'SCHEDULER_INTERVAL_MS',
  zaloAppId: 'ZALO_APP_ID',
  zaloAppSecret: 'ZALO_APP_SECRET',
  zaloRefreshToken: 'ZALO_REFRESH_TOKEN',
  zaloTemplates: 'ZALO_TEMPLATES',
  zaloZnsUrl: 'ZALO_ZNS_URL',
  zaloOauthUrl: 'ZALO_OAUTH_URL',
  smsProvider: 'SMS_PROVIDER',
  esmsApiKey: 'ESMS_API_KEY',
  esmsSecretKey: 'ESMS_SECRET_KEY',
  esmsBrandname: 'ESMS_BRANDNAME',
  esmsUrl: 'ESMS_URL',
  smtpUrl: 'SMTP_URL',
  mailFrom: 'MAIL_FROM',
  vapidPublicKey: 'VAPID_PUBLIC_KEY',
  vapidPrivateKey: 'VAPID_PRIVATE_KEY',
  vapidSubject: 'VAPID_SUBJECT',
  notifyMaxAgeMin: 'NOTIFY_MAX_AGE_MIN',
  notifyQuietHours: 'NOTIFY_QUIET_HOURS',
  notifyWorker: 'NOTIFY_WORKER',
  notifyMaxAttempts: 'NOTIFY_MAX_ATTEMPTS',
  notifyGiveUpAfterMin: 'NOTIFY_GIVE_UP_AFTER_MIN',
  notifyBackoffBaseMs: 'NOTIFY_BACKOFF_BASE_MS',
  notifyBackoffMaxMs: 'NOTIFY_BACKOFF_MAX_MS',
  notifyLeaseMs: 'NOTIFY_LEASE_MS',
  notifyBatch: 'NOTIFY_BATCH',
  notifySendTimeoutMs: 'NOTIFY_SEND_TIMEOUT_MS',
  notifyPollMs: 'NOTIFY_POLL_MS',
  notifyLimits: 'NOTIFY_LIMITS',
  alertGraceMin: 'ALERT_GRACE_MIN',
  alertLeadMin: 'ALERT_LEAD_MIN',
  alertDigestMin: 'ALERT_DIGEST_MIN',
  alertDistrictSchools: 'ALERT_DISTRICT_SCHOOLS',
  alertDistrictWindowMin: 'ALERT_DISTRICT_WINDOW_MIN',
  corsOrigins: 'CORS_ORIGINS',
  metricsToken: 'METRICS_TOKEN',
  accessTokenTtlSeconds: 'ACCESS_TOKEN_TTL_SECONDS',
  refreshTokenTtlSeconds: 'REFRESH_TOKEN_TTL_SECONDS',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  apiRateLimitPerMinute: 'API_RATE_LIMIT_PER_MINUTE',
  throttleKeyPrefix: 'THROTTLE_KEY_PREFIX',
  loginMaxFailures: 'LOGIN_MAX_FAILURES',
  loginLockSeconds: 'LOGIN_LOCK_SECONDS',
  trustProxy: 'TRUST_PROXY',
  retentionTapsDays: 'RETENTION_TAPS_DAYS',
  retentionNotificationsDays: 'RETENTION_NOTIFICATIONS_DAYS',
  retentionAuditDays: 'RETENTION_AUDIT_DAYS',
  retentionDeadLettersDays: 'RETENTION_DEAD_LETTERS_DAYS',
};

/** Validate a partial config; throws a ConfigError naming the bad variable. */
export function parseConfig(input: Partial<Record<keyof ServerConfig, unknown>>): ServerConfig {
  const r = ConfigSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues
      .map((i) => {
        const key = String(i.path[0]) as keyof ServerConfig;
        return `${ENV_NAMES[key] ?? key} (${key}): ${i.message}`;
      })
      .join('; ');
    throw new ConfigError(`invalid configuration: ${msg}`);
  }
  const cfg = r.data;
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined))
    throw new ConfigError(
      'invalid configuration: TLS_CERT (tlsCert) and TLS_KEY (tlsKey) are given together or not at all',
    );
  if (!cfg.mqttUrl && cfg.mqttPort === null && cfg.mqttsPort === null)
    throw new ConfigError(
      'invalid configuration: MQTT_PORT and MQTTS_PORT are both off and there is no MQTT_URL',
    );
  return {
    ...cfg,
    dataDir: path.resolve(cfg.dataDir),
    jwtSecret: cfg.jwtSecret ?? randomBytes(32).toString('hex'),
  };
}

/** The configuration from environment variables (the CLI). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const input: Partial<Record<keyof ServerConfig, unknown>> = {};
  for (const [key, name] of Object.entries(ENV_NAMES) as [keyof ServerConfig, string][]) {
    if (env[name] !== undefined) input[key] = env[name];
  }
  return parseConfig(input);
}

/** Nest injection token of the ServerConfig. */
export const SERVER_CONFIG = Symbol('SERVER_CONFIG');
/** Nest injection token of the Clock. */
export const CLOCK = Symbol('CLOCK');
