import { passwordProblem } from './password-policy.js';

describe('password policy', () => {
  it('refuses short, common, monotonous and username-containing passwords', () => {
    expect(passwordProblem('short-pass1')).toMatch(/12 characters/);
    expect(passwordProblem('123qweasdzxc')).toMatch(/common/);
    expect(passwordProblem('QWERTY123456')).toMatch(/common/);
    expect(passwordProblem('Mật-khẩu-123')).toBeNull();
    expect(passwordProblem('matkhau123456')).toMatch(/common/);
    expect(passwordProblem('Mậtkhẩu123456')).toMatch(/common/); // the same without diacritics
    expect(passwordProblem('aaaaaaaaaaaaaaa')).toMatch(/different/);
    expect(passwordProblem('nguyen.van.a-2026', 'nguyen.van.a')).toMatch(/username/);
    expect(passwordProblem('x'.repeat(199) + 'yzw')).toMatch(/200/);
  });

  it('counts Vietnamese letters once (NFC) and accepts long passphrases', () => {
    expect(passwordProblem('Điểm danh lớp 6A')).toBeNull();
    expect(passwordProblem('Trời ơi đẹp'.normalize('NFD'))).toMatch(/12 characters/); // 11 letters in NFC
    expect(passwordProblem('correct horse battery staple')).toBeNull();
  });
});
