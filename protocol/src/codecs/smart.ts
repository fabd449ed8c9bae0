/**
 * Smart terminals (display + buzzer), one line per message, CR LF.
 * Terminal → gateway: `TAP,<seq>,<tech>,<uid>` and `HB,<firmware>`.
 * Gateway → terminal: `ACK,<seq>,<result>,<text>` and, unasked, `MSG,<seconds>,<text>` (show a
 * text for 1–60 s: how the server's `display` command reaches the gate).
 */
import { CARD_TECHS, makeCardId, type CardId, type CardTech } from '../card.js';
import { FrameError } from './frame.js';

export const SMART_SEQ_MODULO = 65536;
export const SMART_DISPLAY_WIDTH = 32;
export const ACK_RESULTS = ['OK', 'DUP', 'UNKNOWN', 'ERR'] as const;
export type AckResult = (typeof ACK_RESULTS)[number];

/** `MSG` display time bounds, seconds (CONTRACT §1). */
export const SMART_MSG_MIN_SECONDS = 1;
export const SMART_MSG_MAX_SECONDS = 60;

/** An unasked display line: show `text` for `seconds`. */
export interface SmartDisplayMessage {
  seconds: number;
  text: string;
}

/** What a gateway may send a smart terminal. */
export type SmartGatewayLine = ({ type: 'ack' } & SmartAck) | ({ type: 'msg' } & SmartDisplayMessage);

export interface SmartAck {
  seq: number;
  result: AckResult;
  text: string;
}

export type SmartTerminalMessage =
  { type: 'tap'; seq: number; card: CardId } | { type: 'heartbeat'; firmware: string };

function checkSeq(seq: number): number {
  if (!Number.isInteger(seq) || seq < 0 || seq >= SMART_SEQ_MODULO) {
    throw new FrameError('syntax', `seq ${seq} is not in 0–65535`);
  }
  return seq;
}

/**
 * What the terminal's display can show: ASCII, no commas or line breaks, ≤ 32 characters.
 * Vietnamese diacritics are dropped (đ → d), as terminal displays are ASCII.
 */
export function toDisplayText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/,/g, ' ')
    .slice(0, SMART_DISPLAY_WIDTH)
    .trimEnd();
}

export function encodeSmartTap(seq: number, card: CardId): string {
  return `TAP,${checkSeq(seq)},${card.tech},${card.hex}\r\n`;
}

export function encodeSmartHeartbeat(firmware: string): string {
  if (/[,\r\n]/.test(firmware)) throw new FrameError('syntax', 'firmware version must not hold , CR or LF');
  return `HB,${firmware}\r\n`;
}

export function encodeSmartAck(ack: SmartAck): string {
  return `ACK,${checkSeq(ack.seq)},${ack.result},${toDisplayText(ack.text)}\r\n`;
}

function checkSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < SMART_MSG_MIN_SECONDS || seconds > SMART_MSG_MAX_SECONDS) {
    throw new FrameError(
      'syntax',
      `display seconds ${seconds} is not in ${SMART_MSG_MIN_SECONDS}–${SMART_MSG_MAX_SECONDS}`,
    );
  }
  return seconds;
}

/** `MSG,<seconds>,<text>`: the text goes through the same display rules as an ACK's. */
export function encodeSmartMessage(msg: SmartDisplayMessage): string {
  return `MSG,${checkSeconds(msg.seconds)},${toDisplayText(msg.text)}\r\n`;
}

const MIFARE_HEX_DIGITS: Record<number, number> = { 8: 32, 14: 56, 20: 80 };

/** Decode one terminal → gateway line (without CR LF). */
export function decodeSmartLine(line: string): SmartTerminalMessage {
  const fields = line.split(',');
  if (fields[0] === 'HB' && fields.length === 2 && fields[1]!.length > 0 && fields[1]!.length <= 32) {
    return { type: 'heartbeat', firmware: fields[1]! };
  }
  if (fields[0] !== 'TAP' || fields.length !== 4)
    throw new FrameError('syntax', 'expected TAP,<seq>,<tech>,<uid> or HB,<fw>');
  const [, seqText, tech, uid] = fields as [string, string, string, string];
  if (!/^\d{1,5}$/.test(seqText)) throw new FrameError('syntax', `bad seq "${seqText}"`);
  const seq = checkSeq(Number(seqText));
  if (!(CARD_TECHS as readonly string[]).includes(tech))
    throw new FrameError('syntax', `unknown tech "${tech}"`);
  if (!/^[0-9A-Fa-f]+$/.test(uid)) throw new FrameError('syntax', `uid "${uid}" is not hex`);
  const bits = tech === 'em4100' ? (uid.length === 10 ? 40 : undefined) : MIFARE_HEX_DIGITS[uid.length];
  if (bits === undefined)
    throw new FrameError('syntax', `uid of ${uid.length} hex digits is not a ${tech} ID`);
  return { type: 'tap', seq, card: makeCardId(tech as CardTech, bits, uid) };
}

/** Decode one gateway → terminal line (without CR LF); the simulator's side. */
export function decodeSmartAckLine(line: string): SmartAck {
  const m = /^ACK,(\d{1,5}),(OK|DUP|UNKNOWN|ERR),(.{0,32})$/.exec(line);
  if (!m) throw new FrameError('syntax', 'expected ACK,<seq>,<OK|DUP|UNKNOWN|ERR>,<text>');
  return { seq: checkSeq(Number(m[1])), result: m[2] as AckResult, text: m[3]! };
}

/** Decode a `MSG,<seconds>,<text>` line (without CR LF); the simulator's side. */
export function decodeSmartMessageLine(line: string): SmartDisplayMessage {
  const m = /^MSG,(\d{1,2}),(.{0,32})$/.exec(line);
  if (!m) throw new FrameError('syntax', 'expected MSG,<seconds>,<text of ≤ 32 characters>');
  return { seconds: checkSeconds(Number(m[1])), text: m[2]! };
}

/** Decode any gateway → terminal line (without CR LF): an `ACK` or a `MSG`. */
export function decodeSmartGatewayLine(line: string): SmartGatewayLine {
  if (line.startsWith('MSG,')) return { type: 'msg', ...decodeSmartMessageLine(line) };
  return { type: 'ack', ...decodeSmartAckLine(line) };
}
