import { z } from 'zod';

/** The default zone of a school (and of anything without one): Vietnam. Never the machine's zone. */
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/**
 * A response type as it arrives over HTTP: what `JSON.stringify` makes of it (a `Date` the server
 * returns is an ISO string in the client).
 */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** True when `d` is `YYYY-MM-DD` and a day of the calendar (`2026-02-30` is not). */
export function isCalendarDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
}

/** The one date validator of every query and body: `YYYY-MM-DD`, a real calendar day. */
export const IsoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine(isCalendarDate, 'not a real date');

export const UuidSchema = z.string().uuid();

/** An instant as the API writes it: RFC 3339 with the school's offset (or `Z`). */
export const InstantSchema = z.string();

/** `HH:MM`, 00:00–23:59. */
export const HhmmSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (00:00–23:59)');

/** The error body of every 4xx/5xx: `{statusCode, message, error}`. */
export const ApiErrorSchema = z
  .object({ statusCode: z.number().int(), message: z.string(), error: z.string() })
  .passthrough();
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;
