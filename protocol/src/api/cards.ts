import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

export const CARD_STATUSES = ['active', 'lost', 'replaced'] as const;

/** A card as a student's record lists it. */
export const StudentCardSchema = z.object({
  id: UuidSchema,
  text: z.string(),
  printed: z.string().nullable(),
  status: z.string(),
  createdAt: InstantSchema,
  retiredAt: InstantSchema.nullable(),
});

/** `GET|POST /students/{studentId}/cards`, `POST /cards/{cardId}/lost`. */
export const CardViewSchema = StudentCardSchema.extend({
  studentId: UuidSchema.nullable(),
  schoolId: UuidSchema,
});
export type CardView = z.infer<typeof CardViewSchema>;
export const CardViewsSchema = z.array(CardViewSchema);

export const AssignCardSchema = z
  .object({
    card: z.string().trim().min(1).max(60).optional(),
    fromTapId: z.string().uuid().optional(),
  })
  .refine(
    (b) => (b.card === undefined) !== (b.fromTapId === undefined),
    'give either card (any printed form) or fromTapId',
  );

/** `GET /schools/{schoolId}/unknown-cards`. */
export const UnknownCardSchema = z.object({
  card: z.string(),
  taps: z.number().int(),
  lastTapId: UuidSchema,
  lastAt: InstantSchema,
  terminal: z.string(),
  gatewayId: z.string(),
  /** Set when the card is a retired (lost/replaced) card: a lost card in use is worth a look. */
  retired: z
    .object({
      cardId: UuidSchema,
      status: z.string(),
      studentId: UuidSchema.nullable(),
      studentName: z.string().nullable(),
    })
    .nullable(),
});
export type UnknownCard = z.infer<typeof UnknownCardSchema>;
export const UnknownCardsSchema = z.array(UnknownCardSchema);
