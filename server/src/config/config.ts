/**
 * Server configuration: parsed and validated once, from the environment (CLI) or from an object
 * (`createServer`, tests). `process.env` is read here and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
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
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
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
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'a JSON object of strings, e.g. {"check_in":"123456"}' });
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

export const ConfigSchema = z.object({
  /** External PostgreSQL; absent → embedded PostgreSQL under `${dataDir}/pg`. */
  databaseUrl: optionalUrl,
  /** External MQTT broker; absent → embedded aedes broker on `mqttPort`. */
  mqttUrl: optionalUrl,
  mqttPort: port.default(1883),
  /** Interface the embedded broker binds (all interfaces: gateways connect from the school LAN). */
  mqttHost: z.string().default('0.0.0.0'),
  httpPort: port.default(3000),
  httpHost: z.string().default('0.0.0.0'),
  adminPassword: z.string().min(8).optional(),
  dataDir: z.string().default('./data'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  jwtSecret: z.string().min(16).optional(),
  /** Names this instance in logs, MQTT client ids and metrics. */
  serverId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default(`${hostname()}-${process.pid}`),
  /** Shared-subscription group on an external broker: instances in one group split the taps. */
  mqttShareGroup: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default('rfid-server'),
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
});

export type ServerConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

const ENV_NAMES: Record<keyof ServerConfig, string> = {
  databaseUrl: 'DATABASE_URL',
  mqttUrl: 'MQTT_URL',
  mqttPort: 'MQTT_PORT',
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
  return { ...cfg, dataDir: path.resolve(cfg.dataDir), jwtSecret: cfg.jwtSecret ?? randomBytes(32).toString('hex') };
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
