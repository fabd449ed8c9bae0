import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import type { Logger } from '../logger.js';

interface FilteredRequest {
  method?: string;
  originalUrl?: string;
  url?: string;
  route?: { path?: string };
  headers?: Record<string, string | string[] | undefined>;
}

/** The request's id: the caller's `x-request-id` when it sent one (a proxy's), else a new one. */
export function requestIdOf(req: FilteredRequest | undefined): string {
  const h = req?.headers?.['x-request-id'];
  const given = Array.isArray(h) ? h[0] : h;
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

/** PostgreSQL error codes that mean the caller sent something wrong, never a 500. */
const CALLER_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  '23505': { status: HttpStatus.CONFLICT, error: 'conflict', message: 'already exists' },
  '23503': {
    status: HttpStatus.CONFLICT,
    error: 'conflict',
    message: 'refers to something missing, or is still referred to',
  },
  '23514': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value is out of range' },
  '23502': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a required value is missing' },
  '22P02': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value has the wrong form' },
  '22007': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'not a valid date/time' },
  '22008': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'date/time out of range' },
  '22003': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a number is out of range' },
  '22001': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value is too long' },
};

/** Database constraint errors → 4xx `{statusCode, message, error}` (the database is the last line of validation). */
@Catch(QueryFailedError, pg.DatabaseError)
export class PgErrorFilter implements ExceptionFilter {
  private readonly log: Logger | null;

  constructor(logger?: Logger) {
    this.log = logger?.child({ component: 'http' }) ?? null;
  }

  catch(
    e: Error & { code?: string; detail?: string; driverError?: { code?: string; detail?: string } },
    host: ArgumentsHost,
  ): void {
    const code = e.code ?? e.driverError?.code ?? '';
    const mapped = CALLER_ERRORS[code];
    const res = host.switchToHttp().getResponse<{ status(n: number): { json(b: unknown): void } }>();
    if (!mapped) {
      // Not the caller's mistake: a 500 the operator must be able to find (code, route, request id), without the query's values.
      const req = host.switchToHttp().getRequest<FilteredRequest>();
      const requestId = requestIdOf(req);
      this.log?.error(
        {
          code: code || null,
          method: req?.method,
          route: req?.route?.path ?? req?.originalUrl ?? req?.url,
          requestId,
          err: { name: e.name, message: e.message },
        },
        'database error answered 500',
      );
      res.status(500).json({ statusCode: 500, message: 'internal error', error: 'internal', requestId });
      return;
    }
    const detail = e.detail ?? e.driverError?.detail;
    res.status(mapped.status).json({
      statusCode: mapped.status,
      message: detail ? `${mapped.message}: ${detail}` : mapped.message,
      error: mapped.error,
    });
  }
}
