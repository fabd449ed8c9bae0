import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { UserRole } from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import type { Caller } from './caller.js';

export const PUBLIC_ROUTE = 'rfid:public';
export const ROLES = 'rfid:roles';
export const PARTIAL_SCOPE = 'rfid:partial-scope';

/** No bearer token needed (login). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** Only these roles may call the route (403 otherwise); scope checks still apply. */
export const Roles = (...roles: UserRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

/**
 * The handler cuts its own answer to a caller with `partial` access to a route's school/class
 * (teacher, parent). Without it the AuthGuard lets such a caller GET the route and drops every
 * row of the answer that is not about one of the caller's students (ScopeInterceptor).
 */
export const HandlesPartialScope = (): MethodDecorator & ClassDecorator => SetMetadata(PARTIAL_SCOPE, true);

export interface ScopedRequest {
  caller?: Caller;
  /** Set by the guard when the caller has only partial access to a route's school/class. */
  visibleStudentIds?: Set<string>;
}

/** The authenticated caller of the request. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const req = ctx.switchToHttp().getRequest<ScopedRequest>();
  if (!req.caller) throw new DomainError('unauthorized', 'sign in first');
  return req.caller;
});
