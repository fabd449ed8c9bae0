import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';

/** PostgreSQL error codes that mean the caller sent something wrong, never a 500. */
const CALLER_ERRORS: Record<string, { status: number; error: string; message: string }> = {
  '23505': { status: HttpStatus.CONFLICT, error: 'conflict', message: 'already exists' },
  '23503': { status: HttpStatus.CONFLICT, error: 'conflict', message: 'refers to something missing, or is still referred to' },
  '23514': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value is out of range' },
  '23502': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a required value is missing' },
  '22P02': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value has the wrong form' },
  '22007': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'not a valid date/time' },
  '22008': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'date/time out of range' },
  '22001': { status: HttpStatus.BAD_REQUEST, error: 'bad_request', message: 'a value is too long' },
};

/** Database constraint errors → 4xx `{statusCode, message, error}` (the database is the last line of validation). */
@Catch(QueryFailedError, pg.DatabaseError)
export class PgErrorFilter implements ExceptionFilter {
  catch(e: Error & { code?: string; detail?: string; driverError?: { code?: string; detail?: string } }, host: ArgumentsHost): void {
    const code = e.code ?? e.driverError?.code ?? '';
    const mapped = CALLER_ERRORS[code];
    const res = host.switchToHttp().getResponse<{ status(n: number): { json(b: unknown): void } }>();
    if (!mapped) {
      res.status(500).json({ statusCode: 500, message: 'internal error', error: 'internal' });
      return;
    }
    const detail = e.detail ?? e.driverError?.detail;
    res.status(mapped.status).json({ statusCode: mapped.status, message: detail ? `${mapped.message}: ${detail}` : mapped.message, error: mapped.error });
  }
}
