import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserRole } from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import type { ScopedKind } from './caller.js';
import { AuthService, bearerToken } from './auth.service.js';
import { PARTIAL_SCOPE, PUBLIC_ROUTE, ROLES, type ScopedRequest } from './decorators.js';
import { isUuid, ScopeService } from './scope.service.js';

/** Route parameters the guard checks against the caller's scope on EVERY route, whoever wrote it. */
const SCOPED_PARAMS: Record<string, ScopedKind> = {
  districtId: 'district',
  schoolId: 'school',
  classId: 'class',
  studentId: 'student',
};

type HttpRequest = ScopedRequest & {
  path: string;
  method: string;
  params: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
};

/**
 * Global guard (APP_GUARD). Everything under `/api/` needs a bearer token unless `@Public()`;
 * `@Roles(...)` limits the roles; and every `:districtId`, `:schoolId`, `:classId`, `:studentId`
 * route parameter must be in the caller's scope, or the answer is 404 — the same answer as for an
 * id that does not exist, so ids cannot be probed. Routes outside `/api/` (health, metrics, the
 * web app) are not touched.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly scope: ScopeService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    if (!req.path.startsWith('/api/')) return true;
    const caller = await this.auth.callerOfToken(bearerToken(req.headers.authorization));
    req.caller = caller;
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets);
    const handlesPartial = this.reflector.getAllAndOverride<boolean>(PARTIAL_SCOPE, targets) ?? false;
    for (const [param, kind] of Object.entries(SCOPED_PARAMS)) {
      const id = req.params?.[param];
      if (id === undefined) continue;
      if (!isUuid(id)) throw new DomainError('bad_request', `${param}: "${id}" is not a UUID`);
      const access = await this.scope.access(caller, kind, id);
      if (access === 'none') throw new DomainError('not_found', `${kind} ${id} not found`);
      if (access === 'partial' && !handlesPartial) {
        if (req.method !== 'GET') throw new DomainError('not_found', `${kind} ${id} not found`);
        req.visibleStudentIds = await this.scope.visibleStudents(caller);
      }
    }
    if (roles && !roles.includes(caller.role))
      throw new DomainError('forbidden', `a ${caller.role} user may not do this`);
    return true;
  }
}
