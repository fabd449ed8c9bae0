import { z } from 'zod';

export const IMPORT_KINDS = ['districts', 'schools', 'students', 'cards'] as const;

export const ImportRowErrorSchema = z.object({
  row: z.number().int(),
  column: z.string().optional(),
  message: z.string(),
});
export type ImportRowError = z.infer<typeof ImportRowErrorSchema>;

/** `POST /imports/{kind}`: what changed (or would), and the errors by row. */
export const ImportReportSchema = z.object({
  kind: z.enum(IMPORT_KINDS),
  dryRun: z.boolean(),
  applied: z.boolean(),
  format: z.enum(['csv', 'xlsx']),
  rows: z.number().int(),
  duplicates: z.number().int(),
  created: z.record(z.string(), z.number().int()),
  updated: z.record(z.string(), z.number().int()),
  unchanged: z.record(z.string(), z.number().int()),
  errorCount: z.number().int(),
  errors: z.array(ImportRowErrorSchema),
  durationMs: z.number(),
});
export type ImportReportView = z.infer<typeof ImportReportSchema>;
