import { z } from 'zod';
import { HhmmSchema, IsoDateSchema, UuidSchema } from './common.js';

export const DistrictSchema = z.object({ id: UuidSchema, code: z.string(), name: z.string() });
export type District = z.infer<typeof DistrictSchema>;
export const DistrictsSchema = z.array(DistrictSchema);

/** A school with its rules and calendar. */
export const SchoolSchema = z.object({
  id: UuidSchema,
  code: z.string(),
  name: z.string(),
  districtId: UuidSchema,
  level: z.string().nullable(),
  timeZone: z.string(),
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  schoolDays: z.array(z.number().int()),
  holidays: z.array(IsoDateSchema),
  onTimeUntil: HhmmSchema,
  lateUntil: HhmmSchema,
  absenceCutoff: HhmmSchema,
  checkoutFrom: HhmmSchema,
  checkoutUntil: HhmmSchema,
  /** First school day (earlier days are not school days); null: no bound. */
  startsOn: IsoDateSchema.nullable(),
  /** Local time the day's report is made and submitted to the district. */
  reportTime: HhmmSchema,
});
export type School = z.infer<typeof SchoolSchema>;
export const SchoolsSchema = z.array(SchoolSchema);

export const SchoolClassSchema = z.object({
  id: UuidSchema,
  schoolId: UuidSchema,
  name: z.string(),
  grade: z.number().int().nullable(),
  studentCount: z.number().int(),
});
export type SchoolClass = z.infer<typeof SchoolClassSchema>;
export const SchoolClassesSchema = z.array(SchoolClassSchema);
