/**
 * Gateway configuration (CONTRACT §1 terminals, §3 MQTT): one JSON file, validated once with zod
 * into a typed object. Nothing else in the gateway reads files or the environment for settings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_TIME_ZONE,
  CARD_TECHS,
  DirectionSchema,
  TERMINAL_FORMATS,
  TOPIC_ID_PATTERN,
  isValidTimeZone,
} from '@rfid/protocol';
import { AdmsSettingsSchema, AdmsTerminalConfigSchema } from './adms-config.js';

export type TerminalSource =
  { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** `serial:/dev/ttyUSB0?baud=9600` or `tcp://host:port` → a typed source; throws with the reason. */
export function parseTerminalSource(text: string): TerminalSource {
  if (text.startsWith('serial:')) {
    const [pathPart, query = ''] = text.slice('serial:'.length).split('?', 2) as [string, string?];
    if (!pathPart) throw new Error(`"${text}": serial source needs a device path`);
    const params = new URLSearchParams(query);
    const baud = params.get('baud') ?? '9600';
    if (!/^\d+$/.test(baud)) throw new Error(`"${text}": baud must be a number`);
    return { kind: 'serial', path: pathPart, baudRate: Number(baud) };
  }
  if (text.startsWith('tcp://')) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`"${text}" is not a tcp://host:port address`);
    }
    const port = Number(url.port);
    if (!url.hostname || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`"${text}": tcp source needs host and port`);
    }
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port };
  }
  throw new Error(`"${text}": source must be serial:PATH?baud=N or tcp://HOST:PORT`);
}

const topicId = z.string().regex(TOPIC_ID_PATTERN, 'letters, digits, _ . - (1–64)');

export const TerminalConfigSchema = z.object({
  id: z.string().min(1).max(64),
  source: z.string().superRefine((s, ctx) => {
    try {
      parseTerminalSource(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  format: z.enum(TERMINAL_FORMATS),
  direction: DirectionSchema.optional(),
  tech: z.enum(CARD_TECHS).optional(),
  byteOrder: z.enum(['msb-first', 'reversed']).optional(),
});
export type TerminalConfig = z.infer<typeof TerminalConfigSchema>;

export const GatewayConfigSchema = z
  .object({
    schoolId: topicId,
    gatewayId: topicId,
    mqtt: z.object({
      url: z
        .string()
        .regex(/^(mqtts?|tcp|tls|wss?):\/\//, 'must be an mqtt://, mqtts://, tcp://, tls:// or ws(s):// URL'),
      username: z.string().optional(),
      password: z.string().optional(),
      /**
       * The CA that signed the broker's certificate (`mqtts://`): PEM text, or the path of a PEM
       * file (relative to the config file). Absent: the system's public CAs.
       */
      ca: z.string().min(1).optional(),
    }),
    /** Directory of the SQLite queue and the saved roster; created if missing. */
    dataDir: z.string().min(1),
    timeZone: z
      .string()
      .default(DEFAULT_TIME_ZONE)
      .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Ho_Chi_Minh'),
    /** A card read again on the same terminal within this window is a repeat (DUP), not a new tap. */
    repeatWindowSeconds: z.number().nonnegative().default(60),
    terminals: z
      .array(z.discriminatedUnion('format', [TerminalConfigSchema, AdmsTerminalConfigSchema]))
      .default([]),
    /** ADMS (ZKTeco) terminals: poll delays, PINs, clock tolerance (see adms-config.ts). */
    adms: AdmsSettingsSchema,
    queue: z
      .object({
        maxBytes: z.number().int().positive().optional(),
        maxDays: z.number().positive().optional(),
      })
      .default({}),
    statusIntervalSeconds: z.number().positive().default(30),
    resendAfterSeconds: z.number().positive().default(10),
    batchMax: z.number().int().min(1).max(500).default(500),
    /** Batches of the backlog in flight (published, not yet acked by the server) at once. */
    maxInFlightBatches: z.number().int().min(1).max(64).default(8),
    metrics: z.object({ port: z.number().int().min(0).max(65535), host: z.string().optional() }).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.terminals.forEach((t, i) => {
      if (seen.has(t.id))
        ctx.addIssue({
          code: 'custom',
          path: ['terminals', i, 'id'],
          message: `duplicate terminal id "${t.id}"`,
        });
      seen.add(t.id);
    });
    const sns = new Set<string>();
    c.terminals.forEach((t, i) => {
      if (t.format !== 'adms') return;
      if (sns.has(t.sn))
        ctx.addIssue({
          code: 'custom',
          path: ['terminals', i, 'sn'],
          message: `duplicate ADMS serial number "${t.sn}"`,
        });
      sns.add(t.sn);
    });
  });

/** What the caller writes (defaults optional). */
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
/** What the gateway works with (defaults filled in). */
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'bad_config';
}

const PEM_START = '-----BEGIN ';

/**
 * Validate a config object; the error names every bad field by its path. A `mqtt.ca` given as a
 * path is read here (relative to `baseDir`), so the rest of the gateway only sees PEM text.
 */
export function parseGatewayConfig(
  input: unknown,
  origin = 'config',
  baseDir = process.cwd(),
): GatewayConfig {
  const r = GatewayConfigSchema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`${origin}: ${issues}`);
  }
  const ca = r.data.mqtt.ca;
  if (ca !== undefined && !ca.trimStart().startsWith(PEM_START)) {
    const file = path.resolve(baseDir, ca);
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`${origin}: mqtt.ca: ${file} cannot be read (${(e as Error).message})`);
    }
    if (!pem.includes(PEM_START))
      throw new ConfigError(`${origin}: mqtt.ca: ${file} is not a PEM certificate`);
    r.data.mqtt.ca = pem;
  }
  return r.data;
}

/** Read and validate a JSON config file. */
export function loadGatewayConfig(file: string): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  return parseGatewayConfig(json, file, path.dirname(path.resolve(file)));
}
