import fc from 'fast-check';
import { vnMobile } from './vn-phone.js';

describe('vnMobile', () => {
  it.each([
    ['0912345678', '0912345678', '84912345678'],
    ['+84912345678', '0912345678', '84912345678'],
    ['84912345678', '0912345678', '84912345678'],
    ['0084 912 345 678', '0912345678', '84912345678'],
    ['0912.345.678', '0912345678', '84912345678'],
    ['912345678', '0912345678', '84912345678'],
    ['01662345678', '0362345678', '84362345678'],
    ['+841232345678', '0832345678', '84832345678'],
    ['0868123456', '0868123456', '84868123456'],
  ])('%s → %s / %s', (raw, national, international) => {
    expect(vnMobile(raw)).toEqual({ national, international });
  });

  it.each([
    '',
    '02438123456',
    '0112345678',
    '091234567',
    '09123456789',
    '01012345678',
    'abc',
    '+1 415 555 0100',
  ])('%s is not a Vietnamese mobile', (raw) => {
    expect(vnMobile(raw)).toBeNull();
  });

  it('every written form of one number gives the same result', () => {
    const prefix = fc.constantFrom('32', '39', '70', '77', '81', '86', '90', '96', '98', '56', '59');
    fc.assert(
      fc.property(prefix, fc.stringMatching(/^\d{7}$/), (p, rest) => {
        const national = `0${p}${rest}`;
        const want = vnMobile(national);
        expect(want).toEqual({ national, international: `84${p}${rest}` });
        for (const form of [
          `+84${p}${rest}`,
          `84${p}${rest}`,
          `0${p} ${rest.slice(0, 3)} ${rest.slice(3)}`,
          `0${p}.${rest}`,
        ]) {
          expect(vnMobile(form)).toEqual(want);
        }
      }),
    );
  });
});
