import fc from 'fast-check';
import { fitSms, smsSegments, toSmsText } from './sms-text.js';

describe('toSmsText', () => {
  it('removes Vietnamese diacritics and keeps punctuation', () => {
    expect(toSmsText('Nguyễn Văn Ấn')).toBe('Nguyen Van An');
    expect(toSmsText('Em Đỗ Thị Đào đã đến trường lúc 06:52, lớp 6A.')).toBe(
      'Em Do Thi Dao da den truong luc 06:52, lop 6A.',
    );
    expect(toSmsText('“Trường” – THCS Ngô Quyền…')).toBe('"Truong" - THCS Ngo Quyen...');
  });

  it('always gives GSM-7 ASCII, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const out = toSmsText(s);
        expect(out).toMatch(/^[\x20-\x7e\n\r]*$/);
        expect(() => smsSegments(out)).not.toThrow();
      }),
    );
  });

  it('leaves plain ASCII words alone', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9,.:]+( [A-Za-z0-9,.:]+)*$/), (s) =>
        expect(toSmsText(s)).toBe(s),
      ),
    );
  });
});

describe('smsSegments', () => {
  it('counts 160 in one SMS, 153 a part after that', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ units: 160, parts: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ units: 161, parts: 2 });
    expect(smsSegments('a'.repeat(306))).toEqual({ units: 306, parts: 2 });
    expect(smsSegments('a'.repeat(307))).toEqual({ units: 307, parts: 3 });
  });

  it('counts extension characters twice', () => {
    expect(smsSegments('[x]')).toEqual({ units: 5, parts: 1 });
    expect(smsSegments('€'.repeat(80))).toEqual({ units: 160, parts: 1 });
    expect(smsSegments('€'.repeat(81)).parts).toBe(2);
  });

  it('refuses what GSM-7 cannot carry', () => {
    expect(() => smsSegments('ễ')).toThrow(RangeError);
  });
});

describe('fitSms', () => {
  it('keeps a text that fits and cuts one that does not', () => {
    expect(fitSms('ngan', 1)).toBe('ngan');
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z ]{0,600}$/), fc.integer({ min: 1, max: 3 }), (s, max) => {
        const out = fitSms(s, max);
        expect(smsSegments(out).parts).toBeLessThanOrEqual(max);
        if (out !== s) expect(out.endsWith('...')).toBe(true);
      }),
    );
  });
});
