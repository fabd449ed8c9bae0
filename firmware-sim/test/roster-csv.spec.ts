import path from 'node:path';
import { cardToText, parsePrintedCard, sameCard } from '@rfid/protocol';
import { loadRosterCsv, parseRosterCsv } from '../src/index.js';

/** The sample ministry export kept in the repository (demo/samples). */
const samples = path.resolve(import.meta.dirname, '../../demo/samples/students.csv');

describe('roster from the sample export', () => {
  it('reads every student with a card number, cards matching the printed numbers', async () => {
    const { students, skipped } = await loadRosterCsv(samples);
    expect(students.length + skipped.length).toBeGreaterThan(200);
    expect(students.length).toBeGreaterThan(200);
    for (const s of students) {
      expect(s.card.bits).toBe(40);
      expect(sameCard(s.card, parsePrintedCard(s.printed))).toBe(true);
      expect(s.name).toBe(s.name.normalize('NFC'));
    }
  });

  it('filters by school and class', async () => {
    const { students } = await loadRosterCsv(samples, { schoolId: 'KT0001', classIds: ['6a'] });
    expect(students.length).toBeGreaterThan(0);
    expect(students.every((s) => s.schoolId === 'KT0001' && s.classId.toLowerCase() === '6a')).toBe(true);
  });
});

describe('parseRosterCsv', () => {
  it('copes with a BOM, quoted numbers, NFD names and bad rows', async () => {
    const csv =
      '\uFEFFSTT,Mã trường,Mã định danh,Họ và tên,Lớp,Số in trên thẻ\r\n' +
      `1,KT0001,82001,${'Y Liên'.normalize('NFD')},6A,0363542209\r\n` +
      '2,KT0001,82002,A Sang,6A,"068,10369"\r\n' +
      '3,KT0001,82003,Võ An,6A,\r\n' +
      '4,KT0001,82004,Lê Bình,6A,not-a-card\r\n';
    const { students, skipped } = await parseRosterCsv(csv);
    expect(students.map((s) => [s.name, cardToText(s.card)])).toEqual([
      ['Y Liên', 'em4100:40:0115AB36C1'],
      ['A Sang', 'em4100:40:0100442881'],
    ]);
    expect(skipped.map((s) => s.row)).toEqual([4, 5]);
  });
});
