/**
 * "Wedge" readers: 10 decimal digits then CR LF. EM4100 readers print the low 32 bits of the ID;
 * desktop Mifare readers print the 4-byte UID, MSB-first or with the bytes reversed.
 */
import { makeCardId, truncateCard, type CardId, type CardTech } from '../card.js';
import { FrameError } from './frame.js';

export type ByteOrder = 'msb-first' | 'reversed';
export interface Decimal10Options {
  tech?: CardTech;
  byteOrder?: ByteOrder;
}

function reverseBytes(hex8: string): string {
  return hex8.match(/../g)!.reverse().join('');
}

export function encodeDecimal10(card: CardId, opts: Decimal10Options = {}): string {
  const tech = opts.tech ?? 'em4100';
  if (card.tech !== tech) throw new FrameError('syntax', `terminal reads ${tech}, card is ${card.tech}`);
  let hex = truncateCard(card, 32).hex;
  if (tech === 'mifare' && opts.byteOrder === 'reversed') hex = reverseBytes(hex);
  return `${parseInt(hex, 16).toString().padStart(10, '0')}\r\n`;
}

/** Decode one line (without its CR LF). */
export function decodeDecimal10Line(line: string, opts: Decimal10Options = {}): CardId {
  if (!/^\d{10}$/.test(line)) throw new FrameError('syntax', 'expected 10 decimal digits');
  const value = Number(line);
  if (value > 0xffffffff) throw new FrameError('syntax', `${line} does not fit in 32 bits`);
  let hex = value.toString(16).padStart(8, '0');
  const tech = opts.tech ?? 'em4100';
  if (tech === 'mifare' && opts.byteOrder === 'reversed') hex = reverseBytes(hex);
  return makeCardId(tech, 32, hex);
}
