/**
 * Password rules (OWASP ASVS 4.0 V2.1): at least 12 characters (Unicode code points after NFC,
 * so Vietnamese diacritics count once), at most 200, not one of ~49,000 common passwords
 * (zxcvbn-ts's list, plus Vietnamese ones), and not containing the username. No composition
 * rules: length beats forced symbols.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { z } from 'zod';

export const PASSWORD_MIN_LENGTH = 12;

/** Common in Vietnam and not in the international list (compared lower-case, without diacritics). */
const VIETNAMESE_COMMON = [
  'matkhau',
  'matkhau123',
  'matkhau123456',
  'anhyeuem',
  'anhyeuem123',
  'emyeuanh',
  'emyeuanh123',
  'vietnam123',
  'vietnam12345',
  'vietnamvodich',
  'hanoi123456',
  'saigon123456',
  'truonghoc123',
  'giaovien123',
  'hocsinh12345',
  'diemdanh12345',
  'admin1234567',
  'administrator',
  'password1234',
  'qwertyuiop123',
  '123456789abc',
  'abc123456789',
  '1234567890123',
];

const COMMON = new Set<string>(
  [...(dictionary['passwords-common'] as string[]), ...VIETNAMESE_COMMON].map((p) => p.toLowerCase()),
);

function plain(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/đ/gi, 'd')
    .toLowerCase();
}

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, username?: string): string | null {
  const p = password.normalize('NFC');
  if ([...p].length < PASSWORD_MIN_LENGTH) return `at least ${PASSWORD_MIN_LENGTH} characters`;
  if ([...p].length > 200) return 'at most 200 characters';
  if (COMMON.has(p.toLowerCase()) || COMMON.has(plain(p)))
    return 'too common: this password is on a list of common passwords';
  if (new Set(p).size < 4) return 'too few different characters';
  if (username && username.length >= 3 && plain(p).includes(plain(username)))
    return 'must not contain the username';
  return null;
}

/** The password field of request bodies (the username check is done where the username is known). */
export const PasswordSchema = z.string().superRefine((p, ctx) => {
  const problem = passwordProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
