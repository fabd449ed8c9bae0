import { cardLookupKeys, cardMatchKeys, makeCardId, parsePrintedCard, sameCard } from '@rfid/protocol';
import { cardAsRead, encodeRead } from './frames.js';
import { generateEmCards, widenToEm40 } from './cards.js';
import { SeededRandom } from './rng.js';

describe('widenToEm40', () => {
  it('fills the bits a printed number leaves out deterministically (version byte 01, then 00)', () => {
    expect(widenToEm40(parsePrintedCard('1899986535'))).toEqual(makeCardId('em4100', 40, '01713F7E67'));
    expect(widenToEm40(parsePrintedCard('064,18736'))).toEqual(makeCardId('em4100', 40, '0100404930'));
    expect(widenToEm40(parsePrintedCard('064,18736'), 0xab).hex).toBe('AB00404930');
  });

  it('gives a 40-bit read that finds the card enrolled by its printed number (CONTRACT §2)', () => {
    for (const printed of ['1899986535', '064,18736', '0004467393']) {
      const enrolled = parsePrintedCard(printed);
      const read = widenToEm40(enrolled);
      expect(sameCard(read, enrolled)).toBe(true);
      expect(cardLookupKeys(read).some((k) => cardMatchKeys(enrolled).includes(k))).toBe(true);
    }
  });

  it('leaves 40-bit and Mifare cards alone', () => {
    const mifare = makeCardId('mifare', 32, '04A1B2C3');
    expect(widenToEm40(mifare)).toBe(mifare);
  });
});

describe('reader models', () => {
  const em = makeCardId('em4100', 40, '0415AB36C1');
  it('encode what CONTRACT §1 shows', () => {
    expect(encodeRead({ kind: 'rdm6300' }, em).toString('latin1')).toBe('\x020415AB36C14D\x03');
    expect(encodeRead({ kind: 'decimal10' }, em).toString()).toBe('0363542209\r\n');
    expect(encodeRead({ kind: 'wiegand' }, em).toString()).toMatch(/^W26:[0-9A-F]{7}\r\n$/);
    expect(encodeRead({ kind: 'smart' }, em, 12).toString()).toBe('TAP,12,em4100,0415AB36C1\r\n');
  });

  it('read Mifare cards only where the reader is a Mifare reader', () => {
    const mifare = makeCardId('mifare', 32, '04A1B2C3');
    expect(() => cardAsRead({ kind: 'rdm6300' }, mifare)).toThrow(/cannot read a mifare card/);
    expect(cardAsRead({ kind: 'decimal10', tech: 'mifare', byteOrder: 'reversed' }, mifare)).toEqual(mifare);
    expect(encodeRead({ kind: 'decimal10', tech: 'mifare', byteOrder: 'reversed' }, mifare).toString()).toBe(
      `${String(0xc3b2a104).padStart(10, '0')}\r\n`,
    );
    expect(encodeRead({ kind: 'smart', tech: 'mifare' }, mifare, 1).toString()).toBe(
      'TAP,1,mifare,04A1B2C3\r\n',
    );
  });
});

describe('generateEmCards', () => {
  it('is a function of the seed', () => {
    const a = generateEmCards(new SeededRandom(5), 50);
    expect(generateEmCards(new SeededRandom(5), 50)).toEqual(a);
    expect(generateEmCards(new SeededRandom(6), 50)).not.toEqual(a);
    expect(a.every((c) => c.tech === 'em4100' && c.bits === 40 && /^[0-9A-F]{10}$/.test(c.hex))).toBe(true);
  });
});
