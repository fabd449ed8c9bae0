/**
 * Card identity (CONTRACT §2): every read becomes `{ tech, bits, hex }`, text form `tech:bits:hex`.
 * The same physical card is seen with different numbers of bits by different reader models, so
 * matching works on keys: a card's key set holds its own form and every shorter form a reader can
 * report (its low bits for EM4100), and a read matches a card when their longest common form agrees.
 */
export const CARD_TECHS = ['em4100', 'mifare'] as const;
export type CardTech = (typeof CARD_TECHS)[number];

export interface CardId {
  tech: CardTech;
  bits: number;
  /** The `bits` of the ID, upper-case hex, zero-padded to ceil(bits / 4) digits. */
  hex: string;
}

/** Bit lengths a reader can report, per technology (CONTRACT §2). */
export const CARD_BITS: Record<CardTech, readonly number[]> = {
  em4100: [40, 32, 24],
  mifare: [80, 56, 32],
};

export const CARD_TEXT_PATTERN = /^(em4100|mifare):(\d{2}):([0-9A-F]+)$/;

export class CardFormatError extends Error {
  override readonly name = 'CardFormatError';
  constructor(
    readonly code: 'bad_card_text' | 'bad_bits' | 'bad_hex' | 'bad_printed_number',
    message: string,
  ) {
    super(message);
  }
}

export function makeCardId(tech: CardTech, bits: number, hex: string): CardId {
  if (!CARD_BITS[tech].includes(bits)) {
    throw new CardFormatError(
      'bad_bits',
      `${tech} cards have ${CARD_BITS[tech].join('/')} bits, not ${bits}`,
    );
  }
  const digits = Math.ceil(bits / 4);
  const upper = hex.toUpperCase();
  if (!/^[0-9A-F]+$/.test(upper) || upper.length > digits) {
    throw new CardFormatError('bad_hex', `"${hex}" is not a ${bits}-bit hex number`);
  }
  return { tech, bits, hex: upper.padStart(digits, '0') };
}

export function cardToText(card: CardId): string {
  return `${card.tech}:${card.bits}:${card.hex}`;
}

export function parseCardText(text: string): CardId {
  const m = /^(em4100|mifare):(\d{2}):([0-9a-f]+)$/i.exec(text.trim());
  if (!m) throw new CardFormatError('bad_card_text', `"${text}" is not a card in the form tech:bits:HEX`);
  return makeCardId(m[1]!.toLowerCase() as CardTech, Number(m[2]), m[3]!);
}

/**
 * The form of `card` with only `bits` bits, as a reader seeing fewer bits reports it.
 * EM4100 readers drop the high bits (version byte first, then the facility byte);
 * Mifare readers that see fewer bytes keep the first bytes of the UID (transmission order).
 */
export function truncateCard(card: CardId, bits: number): CardId {
  if (bits === card.bits) return card;
  if (bits > card.bits)
    throw new CardFormatError('bad_bits', `cannot widen ${cardToText(card)} to ${bits} bits`);
  const digits = bits / 4;
  const hex = card.tech === 'em4100' ? card.hex.slice(-digits) : card.hex.slice(0, digits);
  return makeCardId(card.tech, bits, hex);
}

/**
 * Every key under which a card can be found: its own text form and each shorter form a reader
 * can report. Store these for an enrolled card; look a read up with `cardToText(read)`.
 */
export function cardMatchKeys(card: CardId): string[] {
  return CARD_BITS[card.tech].filter((b) => b <= card.bits).map((b) => cardToText(truncateCard(card, b)));
}

/**
 * Keys to look a read up by, longest first: the read's own form, then its shorter forms, so a card
 * enrolled only by the number printed on it (24 or 32 bits) still matches a 40-bit read. Take the
 * first key that hits.
 */
export function cardLookupKeys(read: CardId): string[] {
  return cardMatchKeys(read);
}

/** Whether a read and an enrolled card are the same physical card (within one school). */
export function sameCard(a: CardId, b: CardId): boolean {
  if (a.tech !== b.tech) return false;
  const bits = Math.min(a.bits, b.bits);
  return cardToText(truncateCard(a, bits)) === cardToText(truncateCard(b, bits));
}

/** EM4100 low 32 bits as the 10-digit decimal printed on cards and typed by wedge readers. */
export function em32ToDecimal10(card: CardId): string {
  const low = truncateCard(card, 32);
  return parseInt(low.hex, 16).toString().padStart(10, '0');
}

/** EM4100 low 24 bits as the Wiegand-26 `FFF,CCCCC` printed on cards. */
export function em24ToFacilityCard(card: CardId): string {
  const low = parseInt(truncateCard(card, 24).hex, 16);
  return `${String(low >>> 16).padStart(3, '0')},${String(low & 0xffff).padStart(5, '0')}`;
}

/**
 * Parse what people type or what is printed on a card, in any of the usual forms:
 * - `em4100:40:0415AB36C1` / `mifare:32:04A1B2C3` (the text form),
 * - `0004467393` (10 decimal digits: the low 32 bits of an EM4100 ID),
 * - `068,10369` or `068-10369` (Wiegand-26 facility,card: the low 24 bits),
 * - `0415AB36C1` (10 hex digits: a full EM4100 ID as a reader prints it).
 * Cards often carry two numbers (`0004467393 068,10369`); the longer form wins.
 */
export function parsePrintedCard(input: string, tech: CardTech = 'em4100'): CardId {
  const text = input.normalize('NFKC').trim();
  if (text.includes(':') && /^[a-z0-9]+:/i.test(text)) return parseCardText(text);
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length > 1) {
    const cards = parts.map((p) => parsePrintedCard(p, tech));
    cards.sort((x, y) => y.bits - x.bits);
    const [longest, ...rest] = cards;
    if (rest.some((c) => !sameCard(longest!, c))) {
      throw new CardFormatError('bad_printed_number', `"${input}" holds numbers of two different cards`);
    }
    return longest!;
  }
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,3})[,.\-/](\d{1,5})$/.exec(text))) {
    const facility = Number(m[1]);
    const cardNo = Number(m[2]);
    if (facility > 255 || cardNo > 65535) {
      throw new CardFormatError('bad_printed_number', `"${input}": facility ≤ 255 and card ≤ 65535`);
    }
    return makeCardId('em4100', 24, ((facility << 16) | cardNo).toString(16));
  }
  if (/^\d{8,10}$/.test(text)) {
    const value = Number(text);
    if (value > 0xffffffff)
      throw new CardFormatError('bad_printed_number', `"${input}" is more than 32 bits`);
    return makeCardId(tech, 32, value.toString(16));
  }
  if (/^[0-9a-f]{10}$/i.test(text)) return makeCardId('em4100', 40, text);
  if (/^[0-9a-f]{8}$/i.test(text) || /^[0-9a-f]{14}$/i.test(text) || /^[0-9a-f]{20}$/i.test(text)) {
    return makeCardId('mifare', text.length * 4, text);
  }
  throw new CardFormatError('bad_printed_number', `"${input}" is not a card number this system knows`);
}
