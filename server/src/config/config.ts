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
const optionalUrl = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .pipe(z.string().url().optional())
  .optional();

/** A comma-separated list (environment) or an array (in-process). */
const csv = z.union([z.array(z.string()), z.string()]).transform((v) =>
  (Array.isArray(v) ? v : v.split(','))
    .map((s) => s.trim())
    .filter(Boolean),
);

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
  /** Browser origins allowed to call the API and open Socket.IO from another site; empty = same origin only. */
  corsOrigins: csv.default([]),
  /** Bearer token `/metrics` requires; absent → `/metrics` answers loopback callers only. */
  metricsToken: z.string().min(16).optional(),
  /** Access-token lifetime (JWT); at most 15 minutes. */
  accessTokenTtlSeconds: z.coerce.number().int().min(30).max(900).default(900),
  /** Refresh-token lifetime: a session unused this long ends (each use rotates the token). */
  refreshTokenTtlSeconds: z.coerce.number().int().min(60).default(7 * 24 * 3600),
  /** `iss` and `aud` of the access tokens, checked on every request. */
  jwtIssuer: z.string().min(1).default('rfid-attendance'),
  jwtAudience: z.string().min(1).default('rfid-attendance-api'),
  /** API requests per minute per client address across all replicas; 0 = no limit. */
  apiRateLimitPerMinute: z.coerce.number().int().min(0).default(1200),
  /** Prefix of the throttle counters in Redis (several deployments or test runs on one Redis). */
  throttleKeyPrefix: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).default('rfid'),
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
