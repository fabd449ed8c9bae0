import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

/** `GET /audit`: newest first. */
export const AuditRowSchema = z.object({
  id: z.string(),
  at: z.union([InstantSchema, z.date()]),
  userId: UuidSchema.nullable(),
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  schoolId: UuidSchema.nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;
export const AuditRowsSchema = z.array(AuditRowSchema);
