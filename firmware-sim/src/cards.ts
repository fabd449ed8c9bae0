/**
 * Cards the simulated students carry: generated from a seed, or taken from the numbers printed on
 * real cards (the `Số in trên thẻ` column), widened to the 40 bits an RDM6300 or smart reader sends.
 */
import { makeCardId, parsePrintedCard, type CardId } from '@rfid/protocol';
import type { SeededRandom } from './rng.js';

/**
 * Version (customer) byte given to cards that are known only by a printed number. Real EM4100
 * batches share the version byte of their supplier; the printed number leaves it out.
 */
export const DEFAULT_VERSION_BYTE = 0x01;

/**
 * A card as a 40-bit EM4100 reader would see it. Printed numbers carry only the low 32 bits
 * (10-digit decimal) or 24 bits (`FFF,CCCCC`); the missing high bits are filled deterministically:
 * bits 32–39 with `versionByte` (default 0x01) and, for a 24-bit number, bits 24–31 with 0x00.
 * Enrolment by the printed number still matches the read (CONTRACT §2: a 40-bit read matches a
 * 32/24-bit enrolment of its low bits). Mifare cards are returned unchanged.
 */
export function widenToEm40(card: CardId, versionByte = DEFAULT_VERSION_BYTE): CardId {
  if (card.tech !== 'em4100' || card.bits === 40) return card;
  if (!Number.isInteger(versionByte) || versionByte < 0 || versionByte > 0xff) {
    throw new RangeError(`version byte ${versionByte} is not 0–255`);
  }
  const version = versionByte.toString(16).padStart(2, '0');
  const low32 = card.bits === 32 ? card.hex : `00${card.hex}`;
  return makeCardId('em4100', 40, version + low32);
}

/** A card given as text: `em4100:40:0415AB36C1`, `0004467393`, `068,10369`, `0415AB36C1`. */
export function cardFromInput(input: CardId | string): CardId {
  return typeof input === 'string' ? parsePrintedCard(input) : input;
}

/**
 * `count` distinct EM4100 40-bit cards drawn from `rng`. Distinct also in their low 24 bits, so a
 * Wiegand-26 read of any of them is unambiguous within the school.
 */
export function generateEmCards(rng: SeededRandom, count: number): CardId[] {
  const low24Seen = new Set<number>();
  const cards: CardId[] = [];
  while (cards.length < count) {
    const version = rng.int(0, 255);
    const high = rng.int(0, 255);
    const low24 = rng.int(0, 0xffffff);
    if (low24Seen.has(low24)) continue;
    low24Seen.add(low24);
    const hex =
      version.toString(16).padStart(2, '0') +
      high.toString(16).padStart(2, '0') +
      low24.toString(16).padStart(6, '0');
    cards.push(makeCardId('em4100', 40, hex));
  }
  return cards;
}
