import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

/** `GET /schools/{schoolId}/taps?date=`: every stored tap of the school's day. */
export const SchoolTapSchema = z.object({
  id: UuidSchema,
  card: z.string(),
  terminal: z.string(),
  gatewayId: z.string(),
  at: InstantSchema,
  /** Null for an unknown card. */
  studentId: UuidSchema.nullable(),
  direction: z.enum(['in', 'out']).nullable(),
});
export type SchoolTap = z.infer<typeof SchoolTapSchema>;
export const SchoolTapsSchema = z.array(SchoolTapSchema);
