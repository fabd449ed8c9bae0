import fc from 'fast-check';
import {
  cardLookupKeys,
  cardMatchKeys,
  cardToText,
  CardFormatError,
  em24ToFacilityCard,
  em32ToDecimal10,
  makeCardId,
  parseCardText,
  parsePrintedCard,
  sameCard,
  truncateCard,
} from './card.js';

const card = parseCardText('em4100:40:0415AB36C1');

describe('card identity (CONTRACT §2)', () => {
  it('normalises the text form to upper-case hex', () => {
    expect(parseCardText('EM4100:40:0415ab36c1')).toEqual({ tech: 'em4100', bits: 40, hex: '0415AB36C1' });
    expect(cardToText(makeCardId('mifare', 32, '4a1b2c3'))).toBe('mifare:32:04A1B2C3');
  });

  it('rejects impossible cards with a code', () => {
    expect(() => parseCardText('em4100:36:0415AB36C')).toThrow(CardFormatError);
    expect(() => parseCardText('em4100:24:0415AB36C1')).toThrow(CardFormatError);
    expect(() => parseCardText('felica:64:0102')).toThrow(CardFormatError);
  });

  it('a 40-bit card is found by its 40-, 32- and 24-bit reads', () => {
    expect(cardMatchKeys(card)).toEqual(['em4100:40:0415AB36C1', 'em4100:32:15AB36C1', 'em4100:24:AB36C1']);
  });

  it('every form of the same card resolves to one card', () => {
    const forms = [
      'em4100:40:0415AB36C1',
      '0363542209', // decimal10 wedge reader, the 10 digits printed on the card
      '171,14017', // Wiegand-26 printed form
      '171-14017',
      '0415AB36C1',
      '0363542209 171,14017',
    ].map((f) => parsePrintedCard(f));
    for (const f of forms) expect(sameCard(card, f)).toBe(true);
    // A 40-bit read looks up keys that hit an enrolment by either printed number.
    const enrolled = new Map<string, string>();
    for (const key of cardMatchKeys(parsePrintedCard('171,14017'))) enrolled.set(key, 'student-1');
    expect(
      cardLookupKeys(card)
        .map((k) => enrolled.get(k))
        .find(Boolean),
    ).toBe('student-1');
  });

  it('parses the contract examples of printed numbers', () => {
    expect(cardToText(parsePrintedCard('0004467393'))).toBe('em4100:32:00442AC1');
    expect(cardToText(parsePrintedCard('068,10369'))).toBe('em4100:24:442881');
    expect(cardToText(parsePrintedCard(' 068,10369 '))).toBe('em4100:24:442881');
  });

  it('refuses printed numbers that cannot be a card, or two different cards', () => {
    expect(() => parsePrintedCard('256,00001')).toThrow(CardFormatError);
    expect(() => parsePrintedCard('9999999999')).toThrow(CardFormatError);
    expect(() => parsePrintedCard('0363542209 068,10369')).toThrow(CardFormatError);
    expect(() => parsePrintedCard('abc')).toThrow(CardFormatError);
  });

  it('different cards do not match', () => {
    expect(sameCard(card, parseCardText('em4100:24:AB36C2'))).toBe(false);
    expect(sameCard(card, parseCardText('mifare:32:15AB36C1'))).toBe(false);
  });

  it('printed forms round-trip for any EM4100 ID', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }), (v) => {
        const c = makeCardId('em4100', 40, v.toString(16));
        expect(parsePrintedCard(em32ToDecimal10(c))).toEqual(truncateCard(c, 32));
        expect(parsePrintedCard(em24ToFacilityCard(c))).toEqual(truncateCard(c, 24));
        expect(sameCard(c, parsePrintedCard(`${em32ToDecimal10(c)} ${em24ToFacilityCard(c)}`))).toBe(true);
      }),
    );
  });

  it('a Mifare 7-byte UID is matched by a reader that sees its first 4 bytes', () => {
    const uid = parseCardText('mifare:56:04A1B2C3D4E5F6');
    expect(cardMatchKeys(uid)).toEqual(['mifare:56:04A1B2C3D4E5F6', 'mifare:32:04A1B2C3']);
  });
});
