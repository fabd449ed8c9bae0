import { z } from 'zod';
import { InstantSchema, IsoDateSchema, UuidSchema } from './common.js';

export const ATTENDANCE_STATUSES = ['present', 'late', 'absent', 'excused', 'pending'] as const;
export const AttendanceStatusSchema = z.enum(ATTENDANCE_STATUSES);

/** `GET /schools/{schoolId}/attendance?date=`: one row per enrolled student. */
export const AttendanceRowSchema = z.object({
  studentId: UuidSchema,
  name: z.string(),
  classId: UuidSchema,
  className: z.string(),
  status: AttendanceStatusSchema,
  firstIn: InstantSchema.nullable(),
  lastOut: InstantSchema.nullable(),
  /** How the status was set: by a tap, or by hand (`manual`, with its `reason`); null when nothing is stored yet. */
  source: z.enum(['tap', 'manual']).nullable(),
  /** The reason given with a manual mark (null otherwise). */
  reason: z.string().nullable(),
});
export type AttendanceRow = z.infer<typeof AttendanceRowSchema>;
export const AttendanceRowsSchema = z.array(AttendanceRowSchema);

export const AttendanceDayQuerySchema = z.object({ date: IsoDateSchema });

/** `PUT /students/{studentId}/attendance/{date}` body: a mark by hand, with a reason. */
export const ManualMarkSchema = z.object({
  status: z.enum(['present', 'excused']),
  reason: z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .pipe(z.string().min(1, 'say why (e.g. "forgot card", "ốm, mẹ xin phép")').max(500)),
});
export type ManualMark = z.infer<typeof ManualMarkSchema>;

/** A student's day as `GET|PUT /students/{studentId}/attendance…` shows it. */
export const AttendanceDaySchema = z.object({
  date: IsoDateSchema,
  status: AttendanceStatusSchema,
  source: z.enum(['tap', 'manual']),
  note: z.string().nullable(),
  firstIn: InstantSchema.nullable(),
  lastOut: InstantSchema.nullable(),
  tapCount: z.number().int(),
  updatedBy: z.string().nullable(),
  updatedAt: z.union([z.string(), z.date()]),
});
export type AttendanceDay = z.infer<typeof AttendanceDaySchema>;
export const AttendanceDaysSchema = z.array(AttendanceDaySchema);

export const DateRangeQuerySchema = z.object({ from: IsoDateSchema, to: IsoDateSchema });
