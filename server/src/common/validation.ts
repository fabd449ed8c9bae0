import type { z } from 'zod';
import { DomainError } from './domain-error.js';

/** Validate a request body/query with zod; a 400 naming the bad fields otherwise. */
export function parseBody<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new DomainError(
      'bad_request',
      r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    );
  }
  return r.data;
}
