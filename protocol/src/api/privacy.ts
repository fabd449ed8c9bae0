import { z } from 'zod';
import { UuidSchema } from './common.js';

const Rows = z.array(z.record(z.string(), z.unknown()));

/** `GET /students/{id}/personal-data`: everything held about one student. */
export const StudentExportSchema = z.object({
  exportedAt: z.string(),
  student: z.record(z.string(), z.unknown()),
  guardians: Rows,
  cards: Rows,
  attendanceDays: Rows,
  taps: Rows,
  notifications: Rows,
  accounts: Rows,
  auditEntries: Rows,
  extra: z.record(z.string(), Rows),
});
export type StudentExport = z.infer<typeof StudentExportSchema>;

/** `DELETE /students/{id}/personal-data`: rows removed per kind. */
export const ErasureResultSchema = z.object({
  studentId: UuidSchema,
  removed: z.record(z.string(), z.number().int()),
});
export type ErasureResult = z.infer<typeof ErasureResultSchema>;
