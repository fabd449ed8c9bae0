import { z } from 'zod';
import { UuidSchema } from './common.js';
import { StudentCardSchema } from './cards.js';

export const GUARDIAN_CHANNELS = ['sms', 'zalo', 'email', 'push', 'webhook', 'in_app'] as const;
export const GuardianChannelSchema = z.enum(GUARDIAN_CHANNELS);

export const GuardianSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  zaloId: z.string().nullable(),
  channels: z.array(z.string()),
  relation: z.string().nullable(),
});
export type Guardian = z.infer<typeof GuardianSchema>;

/** A student as lists show it (with the text of the active card, if any). */
export const StudentSummarySchema = z.object({
  id: UuidSchema,
  schoolId: UuidSchema,
  classId: UuidSchema,
  className: z.string(),
  studentCode: z.string(),
  name: z.string(),
  birthDate: z.string().nullable(),
  gender: z.string().nullable(),
  ethnicity: z.string().nullable(),
  active: z.boolean(),
  card: z.string().nullable(),
});
export type StudentSummary = z.infer<typeof StudentSummarySchema>;
export const StudentSummariesSchema = z.array(StudentSummarySchema);

/** `GET /students/{studentId}`: the student with guardians and cards. */
export const StudentSchema = StudentSummarySchema.omit({ card: true }).extend({
  guardians: z.array(GuardianSchema),
  cards: z.array(StudentCardSchema),
});
export type Student = z.infer<typeof StudentSchema>;

// `GET /students/{studentId}/notifications`: see ./notifications.ts (NotificationSchema).
