/**
 * Parse one `…/taps` MQTT message (pure, never throws). Every tap is checked on its own, so a
 * batch with one bad tap keeps its good taps; the bad ones come back as dead letters.
 */
import {
  MAX_MESSAGE_BYTES,
  MAX_TAPS_PER_MESSAGE,
  parseCardText,
  parseTopic,
  TapSchema,
  type CardId,
  type Tap,
  type TopicAddress,
} from '@rfid/protocol';
import type { DeadLetterCode } from '../db/entities/dead-letter.entity.js';

export interface ValidTap extends Tap {
  atDate: Date;
  cardId: CardId;
}

export interface DeadLetterInput {
  topic: string;
  schoolId: string | null;
  gatewayId: string | null;
  code: DeadLetterCode;
  reason: string;
  tapId: string | null;
  payload: string;
}

export interface ParsedTapsMessage {
  topic: string;
  address: TopicAddress | null;
  taps: ValidTap[];
  dead: DeadLetterInput[];
  /** Ids of bad taps that are dead-lettered: acked too, or the gateway would resend them forever. */
  deadTapIds: string[];
}

const MAX_STORED_PAYLOAD = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function clip(s: string): string {
  return s.length > MAX_STORED_PAYLOAD ? s.slice(0, MAX_STORED_PAYLOAD) : s;
}

export function deadLetterOf(
  topic: string,
  address: TopicAddress | null,
  code: DeadLetterCode,
  reason: string,
  payload: string,
  tapId: string | null = null,
): DeadLetterInput {
  return {
    topic,
    schoolId: address?.schoolId ?? null,
    gatewayId: address?.gatewayId ?? null,
    code,
    reason,
    tapId,
    payload: clip(payload),
  };
}

export function parseTapsMessage(topic: string, payload: Buffer): ParsedTapsMessage {
  const address = parseTopic(topic);
  const out: ParsedTapsMessage = { topic, address, taps: [], dead: [], deadTapIds: [] };
  const whole = (code: DeadLetterCode, reason: string): ParsedTapsMessage => {
    out.dead.push(
      deadLetterOf(topic, address, code, reason, payload.subarray(0, MAX_STORED_PAYLOAD).toString('utf8')),
    );
    return out;
  };
  if (!address || address.kind !== 'taps') return whole('bad_topic', `not a taps topic: ${topic}`);
  if (payload.length > MAX_MESSAGE_BYTES)
    return whole('oversized', `${payload.length} bytes > ${MAX_MESSAGE_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    return whole('bad_json', `bad JSON: ${(e as Error).message}`);
  }
  const taps = (json as { taps?: unknown } | null)?.taps;
  if (typeof json !== 'object' || json === null || !Array.isArray(taps))
    return whole('bad_schema', 'schema: taps must be an array');
  if (taps.length < 1 || taps.length > MAX_TAPS_PER_MESSAGE)
    return whole('bad_schema', `schema: 1–${MAX_TAPS_PER_MESSAGE} taps, got ${taps.length}`);
  const seen = new Set<string>();
  for (const raw of taps) {
    const rawId = (raw as { id?: unknown } | null)?.id;
    const tapId = typeof rawId === 'string' && UUID.test(rawId) ? rawId.toLowerCase() : null;
    const r = TapSchema.safeParse(raw);
    let reason: string | null = null;
    let valid: ValidTap | null = null;
    if (!r.success) {
      reason = r.error.issues.map((i) => `${i.path.join('.') || '(tap)'} ${i.message}`).join('; ');
    } else {
      const atDate = new Date(r.data.at);
      if (Number.isNaN(atDate.getTime())) reason = `at: not a real time "${r.data.at}"`;
      else {
        try {
          valid = { ...r.data, id: r.data.id.toLowerCase(), atDate, cardId: parseCardText(r.data.card) };
        } catch (e) {
          reason = `card: ${(e as Error).message}`;
        }
      }
    }
    if (valid) {
      if (!seen.has(valid.id)) {
        seen.add(valid.id);
        out.taps.push(valid);
      }
    } else {
      out.dead.push(
        deadLetterOf(
          topic,
          address,
          'bad_tap',
          reason ?? 'invalid tap',
          JSON.stringify(raw) ?? 'undefined',
          tapId,
        ),
      );
      if (tapId && !seen.has(tapId)) out.deadTapIds.push(tapId);
    }
  }
  return out;
}
