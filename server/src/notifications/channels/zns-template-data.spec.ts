import fc from 'fast-check';
import { DEFAULT_LIMIT, PLACEHOLDER, ZNS_PARAM_LIMITS, znsTemplateData } from './zns-template-data.js';

describe('znsTemplateData', () => {
  it('keeps diacritics and collapses whitespace', () => {
    expect(znsTemplateData({ student_name: '  Nguyễn   Văn Ấn ', time: '06:52' })).toEqual({
      student_name: 'Nguyễn Văn Ấn',
      time: '06:52',
    });
  });

  it('never sends an empty value', () => {
    expect(znsTemplateData({ class_name: '', school_name: '   ' })).toEqual({
      class_name: PLACEHOLDER,
      school_name: PLACEHOLDER,
    });
  });

  it('cuts a long name to ZNS’s 30 characters with an ellipsis', () => {
    const out = znsTemplateData({ student_name: 'Tôn Nữ Hoàng Thị Phương Thảo Nguyên Khánh Linh' });
    expect(out.student_name).toBe('Tôn Nữ Hoàng Thị Phương Thảo…');
    expect([...out.student_name!].length).toBeLessThanOrEqual(30);
    expect(out.student_name!.endsWith('…')).toBe(true);
  });

  it('every value is non-empty and within its limit, for any input', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...Object.keys(ZNS_PARAM_LIMITS), 'other'),
          fc.string({ unit: 'grapheme', maxLength: 300 }),
        ),
        (params) => {
          const out = znsTemplateData(params);
          expect(Object.keys(out).sort()).toEqual(Object.keys(params).sort());
          for (const [k, v] of Object.entries(out)) {
            expect(v.trim().length).toBeGreaterThan(0);
            expect([...v].length).toBeLessThanOrEqual(ZNS_PARAM_LIMITS[k] ?? DEFAULT_LIMIT);
          }
        },
      ),
    );
  });
});
