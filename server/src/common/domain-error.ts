import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

/** Codes of errors the caller caused (mapped to 4xx) or that are not found. */
export const DOMAIN_ERROR_STATUS = {
  bad_card: HttpStatus.BAD_REQUEST,
  bad_rules: HttpStatus.BAD_REQUEST,
  bad_request: HttpStatus.BAD_REQUEST,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
  unauthorized: HttpStatus.UNAUTHORIZED,
  too_many_requests: HttpStatus.TOO_MANY_REQUESTS,
  bad_import: HttpStatus.UNPROCESSABLE_ENTITY,
  /** A service the request needs (e.g. the external broker) did not answer. */
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
} as const;
export type DomainErrorCode = keyof typeof DOMAIN_ERROR_STATUS;

/** A typed error of the domain; the filter maps its code to an HTTP status. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Extra fields of the error body (e.g. the row errors of an import). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** `{ statusCode, message, error }` as CONTRACT §4 says, never a 500 for the caller's mistake. */
@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter {
  catch(e: DomainError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ status(n: number): { json(b: unknown): void } }>();
    const statusCode = DOMAIN_ERROR_STATUS[e.code];
    res.status(statusCode).json({ ...e.details, statusCode, message: e.message, error: e.code });
  }
}
