import { z } from 'zod';
import { HhmmSchema, IsoDateSchema, isValidTimeZone } from '@rfid/protocol';
import { cleanName } from '../directory/rules.js';

const hhmm = HhmmSchema;
/** The one date validator (protocol): `2026-02-30` is refused. */
export const isoDate = IsoDateSchema;
const name = z.string().transform(cleanName).pipe(z.string().min(1, 'must not be empty').max(200));
const code = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(/^[\p{L}\p{N}_.\-/]+$/u, 'letters, digits and _ . - / only');

export const SchoolRulesSchema = z.object({
  timeZone: z.string().refine(isValidTimeZone, 'not an IANA time zone (e.g. Asia/Ho_Chi_Minh)').optional(),
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  schoolDays: z.array(z.number().int().min(1).max(7)).max(7).optional(),
  holidays: z.array(isoDate).max(400).optional(),
  onTimeUntil: hhmm.optional(),
  lateUntil: hhmm.optional(),
  absenceCutoff: hhmm.optional(),
  checkoutFrom: hhmm.optional(),
  checkoutUntil: hhmm.optional(),
  /** First day the school uses the system: earlier days are not school days (null: no bound). */
  startsOn: isoDate.nullable().optional(),
  /** School-local time the day's report is made and submitted to the district. */
  reportTime: hhmm.optional(),
});
export type SchoolRules = z.infer<typeof SchoolRulesSchema>;

export const NewDistrictSchema = z.object({ code, name });
export const DistrictPatchSchema = z.object({ name }).partial();

export const NewSchoolSchema = SchoolRulesSchema.extend({
  districtId: z.string().uuid(),
  code,
  name,
  level: z.string().trim().max(20).optional(),
});
export const SchoolPatchSchema = SchoolRulesSchema.extend({
  name: name.optional(),
  level: z.string().trim().max(20).nullable().optional(),
});

export const NewClassSchema = z.object({
  name: z
    .string()
    .transform((s) => normaliseClassName(s))
    .pipe(z.string().min(1).max(50)),
  grade: z.number().int().min(1).max(12).nullable().optional(),
});
export const ClassPatchSchema = NewClassSchema.partial();

const gender = z.string().trim().max(20).nullable().optional();
export const NewStudentSchema = z.object({
  classId: z.string().uuid(),
  studentCode: code,
  name,
  birthDate: isoDate.nullable().optional(),
  gender,
  ethnicity: z.string().trim().max(50).nullable().optional(),
});
export const StudentPatchSchema = NewStudentSchema.omit({ studentCode: true })
  .partial()
  .extend({ active: z.boolean().optional() });

export const NewGuardianSchema = z.object({
  name,
  phone: z
    .string()
    .nullable()
    .optional()
    .transform((p, ctx) => {
      if (p === null || p === undefined || p.trim() === '') return null;
      const n = normalisePhone(p);
      if (!n) {
        ctx.addIssue({ code: 'custom', message: `"${p}" is not a Vietnamese phone number` });
        return z.NEVER;
      }
      return n;
    }),
  email: z.string().email().nullable().optional(),
  zaloId: z.string().trim().max(100).nullable().optional(),
  channels: z.array(z.enum(['sms', 'zalo', 'email', 'push', 'webhook', 'in_app'])).optional(),
  relation: z.string().trim().max(50).nullable().optional(),
});

/** `6a`, `Lớp 6A`, ` 6 A ` → `6A`; NFC. */
export function normaliseClassName(raw: string): string {
  let s = raw.normalize('NFC').trim();
  s = s.replace(/^(lớp|lop|class)\s*/iu, '');
  return s.replace(/\s+/g, '').toLocaleUpperCase('vi');
}

/** Grade of a class name `6A` → 6, `10A1` → 10; null when it does not start with one. */
export function gradeOfClass(name: string): number | null {
  const m = /^(\d{1,2})/.exec(name);
  const g = m ? Number(m[1]) : NaN;
  return g >= 1 && g <= 12 ? g : null;
}

/** `+84 912 345 678`, `84912345678`, `0912.345.678` → `0912345678`; null when not a VN number. */
export function normalisePhone(raw: string): string | null {
  let d = raw.normalize('NFKC').replace(/[\s.\-()]/g, '');
  if (d.startsWith('+84')) d = `0${d.slice(3)}`;
  else if (d.startsWith('0084')) d = `0${d.slice(4)}`;
  else if (d.startsWith('84') && d.length === 11) d = `0${d.slice(2)}`;
  else if (/^[35789]\d{8}$/.test(d)) d = `0${d}`; // Excel dropped the leading zero
  return /^0\d{9,10}$/.test(d) ? d : null;
}
