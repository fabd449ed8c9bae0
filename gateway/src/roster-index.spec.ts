import { parseCardText } from '@rfid/protocol';
import { RosterIndex } from './roster-index.js';

describe('RosterIndex (CONTRACT §2 matching)', () => {
  const roster = new RosterIndex({
    version: 3,
    cards: [
      { card: 'em4100:40:0415AB36C1', name: 'Nguyễn Văn An', class: '6A' },
      { card: 'em4100:32:00442AC1', name: 'Y Liên', class: '6B' },
      { card: 'em4100:24:1279B1', name: 'A Sang', class: '7A' },
      { card: 'mifare:32:04A1B2C3', name: 'Đinh Thị Hoa', class: '8A' },
    ],
  });

  it.each([
    ['em4100:40:0415AB36C1', 'Nguyễn Văn An'], // same form
    ['em4100:32:15AB36C1', 'Nguyễn Văn An'], // decimal10 read of a 40-bit enrolment
    ['em4100:24:AB36C1', 'Nguyễn Văn An'], // W26 read
    ['em4100:40:0100442AC1', 'Y Liên'], // 40-bit read of a card enrolled by its printed 32 bits
    ['em4100:40:05991279B1', 'A Sang'], // 40-bit read of a card enrolled as W26 facility,card
    ['mifare:32:04A1B2C3', 'Đinh Thị Hoa'],
  ])('finds %s', (read, name) => {
    expect(roster.lookup(parseCardText(read))?.name).toBe(name);
  });

  it('does not match another card or technology', () => {
    expect(roster.lookup(parseCardText('em4100:40:0415AB36C2'))).toBeUndefined();
    expect(roster.lookup(parseCardText('mifare:32:15AB36C1'))).toBeUndefined();
  });

  it('keeps names whole and NFC', () => {
    const decomposed = 'Nguyễn Văn An'.normalize('NFD');
    const r = new RosterIndex({
      version: 1,
      cards: [{ card: 'em4100:40:0415AB36C1', name: decomposed, class: '6A' }],
    });
    expect(r.lookup(parseCardText('em4100:40:0415AB36C1'))?.name).toBe('Nguyễn Văn An'.normalize('NFC'));
    expect(r.version).toBe(1);
    expect(r.size).toBe(1);
  });
});
