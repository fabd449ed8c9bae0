/**
 * Server configuration: parsed and validated once, from the environment (CLI) or from an object
 * (`createServer`, tests). `process.env` is read here and nowhere else.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

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
    throw new ConfigError('invalid configuration: TLS_CERT (tlsCert) and TLS_KEY (tlsKey) are given together or not at all');
  if (!cfg.mqttUrl && cfg.mqttPort === null && cfg.mqttsPort === null)
    throw new ConfigError('invalid configuration: MQTT_PORT and MQTTS_PORT are both off and there is no MQTT_URL');
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
