/**
 * Payloads of CONTRACT §3 as zod schemas; the TypeScript types are inferred from them, so the
 * gateway, the server and the simulator cannot disagree about a field.
 */
import { z } from 'zod';
import { CARD_TEXT_PATTERN } from './card.js';
import { RFC3339_PATTERN } from './time.js';

export const MAX_TAPS_PER_MESSAGE = 500;
/** Larger messages are refused before parsing (500 taps of ~250 bytes fit well within it). */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const rfc3339 = z.string().regex(RFC3339_PATTERN, 'must be RFC 3339 with an offset');
const id = z.string().min(1).max(64);

export const DirectionSchema = z.enum(['in', 'out']);
export type Direction = z.infer<typeof DirectionSchema>;

export const TapSchema = z.object({
  id: uuid,
  terminal: id,
  card: z.string().regex(CARD_TEXT_PATTERN, 'must be a card tech:bits:HEX'),
  raw: z.string().max(256),
  at: rfc3339,
  seq: z.number().int().nonnegative(),
  direction: DirectionSchema.optional(),
});
export type Tap = z.infer<typeof TapSchema>;

export const TapsMessageSchema = z.object({
  taps: z.array(TapSchema).min(1).max(MAX_TAPS_PER_MESSAGE),
});
export type TapsMessage = z.infer<typeof TapsMessageSchema>;

export const AcksMessageSchema = z.object({ ids: z.array(uuid).max(MAX_TAPS_PER_MESSAGE * 4) });
export type AcksMessage = z.infer<typeof AcksMessageSchema>;

export const TerminalStatusSchema = z.object({
  id,
  online: z.boolean(),
  lastSeen: rfc3339.nullable(),
});
export type TerminalStatus = z.infer<typeof TerminalStatusSchema>;

export const GatewayOnlineStatusSchema = z.object({
  online: z.literal(true),
  version: z.string(),
  queue: z.number().int().nonnegative(),
  terminals: z.array(TerminalStatusSchema),
  at: rfc3339,
  /** Extensions (optional, CONTRACT-compatible): gateway clock minus server clock, ms. */
  clockOffsetMs: z.number().optional(),
  /** Queue cap reached: the oldest taps are being dropped; how many so far. */
  queueFull: z.boolean().optional(),
  dropped: z.number().int().nonnegative().optional(),
});
export const GatewayOfflineStatusSchema = z.object({ online: z.literal(false) });
export const StatusMessageSchema = z.union([GatewayOnlineStatusSchema, GatewayOfflineStatusSchema]);
export type StatusMessage = z.infer<typeof StatusMessageSchema>;
export type GatewayOnlineStatus = z.infer<typeof GatewayOnlineStatusSchema>;

export const RosterEntrySchema = z.object({
  card: z.string().regex(CARD_TEXT_PATTERN),
  name: z.string(),
  class: z.string(),
});
export const RosterMessageSchema = z.object({
  version: z.number().int().nonnegative(),
  cards: z.array(RosterEntrySchema),
});
export type RosterEntry = z.infer<typeof RosterEntrySchema>;
export type RosterMessage = z.infer<typeof RosterMessageSchema>;

export const DisplayCommandSchema = z.object({
  id: uuid,
  type: z.literal('display'),
  /** One terminal; absent: every smart terminal of the gateway. */
  terminal: id.optional(),
  text: z.string().max(64),
  /** How long the terminal shows it (`MSG,<seconds>,<text>`, CONTRACT §1); the gateway's default when absent. */
  seconds: z.number().int().min(1).max(60).optional(),
});
export const EnrollCommandSchema = z.object({
  id: uuid,
  type: z.literal('enroll'),
  /** The next unknown card on this terminal is reported for enrolment. */
  terminal: id.optional(),
  until: rfc3339.optional(),
});
export const TimeCommandSchema = z.object({
  id: uuid,
  type: z.literal('time'),
  /** The server's clock when it sent the command. */
  serverTime: rfc3339,
});
/**
 * Secret rotation: the gateway's new broker password (its old one works until `oldValidUntil`).
 * The gateway keeps it on disk and reconnects with it; only its own `…/cmd` carries it.
 */
export const SecretCommandSchema = z.object({
  id: uuid,
  type: z.literal('secret'),
  password: z.string().min(16).max(200),
  oldValidUntil: rfc3339.optional(),
});
export const CommandMessageSchema = z.discriminatedUnion('type', [
  DisplayCommandSchema,
  EnrollCommandSchema,
  TimeCommandSchema,
  SecretCommandSchema,
]);
export type CommandMessage = z.infer<typeof CommandMessageSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parse a raw MQTT payload against a schema; never throws. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: Buffer | string): ParseResult<T> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > MAX_MESSAGE_BYTES)
    return { ok: false, error: `oversized: ${size} bytes > ${MAX_MESSAGE_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch (e) {
    return { ok: false, error: `bad JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    return {
      ok: false,
      error: `schema: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    };
  }
  return { ok: true, value: r.data };
}
