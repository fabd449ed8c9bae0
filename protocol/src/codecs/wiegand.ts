/**
 * Wiegand-to-serial converters: `W26:` + 7 hex digits or `W34:` + 9 hex digits (raw bits,
 * right-aligned), CR LF. Leading bit: even parity over the first half of the data bits; trailing
 * bit: odd parity over the second half. W26 data = 8-bit facility + 16-bit card = low 24 bits.
 */
import { makeCardId, truncateCard, type CardId, type CardTech } from '../card.js';
import { FrameError } from './frame.js';

export type WiegandBits = 26 | 34;
export interface WiegandOptions {
  /** What a 34-bit frame carries; 26-bit frames are always EM4100 low 24 bits. */
  tech?: CardTech;
}

function popcount(n: bigint): number {
  let c = 0;
  for (let v = n; v > 0n; v >>= 1n) c += Number(v & 1n);
  return c;
}

function withParity(data: bigint, dataBits: number): bigint {
  const half = dataBits / 2;
  const mask = (1n << BigInt(half)) - 1n;
  const high = data >> BigInt(half);
  const low = data & mask;
  const even = BigInt(popcount(high) % 2); // makes the first half + parity even
  const odd = BigInt(1 - (popcount(low) % 2)); // makes the second half + parity odd
  return (even << BigInt(dataBits + 1)) | (data << 1n) | odd;
}

export function encodeWiegand(card: CardId, bits: WiegandBits): string {
  const dataBits = bits - 2;
  const data = BigInt('0x' + truncateCard(card, dataBits).hex);
  const frame = withParity(data, dataBits);
  const digits = bits === 26 ? 7 : 9;
  return `W${bits}:${frame.toString(16).toUpperCase().padStart(digits, '0')}\r\n`;
}

export function decodeWiegandLine(line: string, opts: WiegandOptions = {}): CardId {
  const m = /^W(26|34):([0-9A-Fa-f]+)$/.exec(line);
  if (!m) throw new FrameError('syntax', 'expected W26:<7 hex> or W34:<9 hex>');
  const bits = Number(m[1]) as WiegandBits;
  const digits = bits === 26 ? 7 : 9;
  if (m[2]!.length !== digits) throw new FrameError('syntax', `W${bits} needs ${digits} hex digits`);
  const frame = BigInt('0x' + m[2]);
  if (frame >> BigInt(bits) !== 0n) throw new FrameError('syntax', `more than ${bits} bits`);
  const dataBits = bits - 2;
  const data = (frame >> 1n) & ((1n << BigInt(dataBits)) - 1n);
  if (withParity(data, dataBits) !== frame) throw new FrameError('parity', `W${bits} parity check failed`);
  const tech = bits === 26 ? 'em4100' : (opts.tech ?? 'em4100');
  return makeCardId(tech, dataBits, data.toString(16));
}
