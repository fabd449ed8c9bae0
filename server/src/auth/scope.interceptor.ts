import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { from, mergeMap, type Observable } from 'rxjs';
import { DomainError } from '../common/domain-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { ScopedRequest } from './decorators.js';

/** Reads of personal data that go to the audit log (by province and district staff, and every file export). */
const PERSONAL_DATA_READS: { pattern: RegExp; action: string }[] = [
  { pattern: /\/schools\/:schoolId\/attendance$/, action: 'export.attendance' },
  { pattern: /\/schools\/:schoolId\/taps$/, action: 'export.taps' },
  { pattern: /\/districts\/:districtId\/reports\/daily$/, action: 'export.report' },
  { pattern: /\/students\/:studentId\/notifications$/, action: 'export.notifications' },
  { pattern: /\/schools\/:schoolId\/students$/, action: 'export.students' },
  { pattern: /\/classes\/:classId\/students$/, action: 'export.students' },
];

type HttpRequest = ScopedRequest & {
  method: string;
  route?: { path?: string };
  params: Record<string, string>;
  query: Record<string, unknown>;
  originalUrl: string;
};

/**
 * After the handler: (1) a caller with only partial access to the route's school/class (a teacher
 * or parent on a school-wide list) gets only the rows about its own students; a non-list answer
 * is 404 for it. (2) personal-data reads are written to the audit log.
 */
@Injectable()
export class ScopeInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    return next.handle().pipe(
      mergeMap((body: unknown) =>
        from(
          (async () => {
            const out = cut(body, req);
            await this.auditRead(req, out);
            return out;
          })(),
        ),
      ),
    );
  }

  private async auditRead(req: HttpRequest, body: unknown): Promise<void> {
    const caller = req.caller;
    if (!caller || req.method !== 'GET') return;
    const route = req.route?.path ?? '';
    const read = PERSONAL_DATA_READS.find((r) => r.pattern.test(route));
    if (!read) return;
    const isFile = typeof req.query.format === 'string' && req.query.format !== 'json';
    if (!isFile && caller.role !== 'admin' && caller.role !== 'district') return;
    await this.audit.record(caller, {
      action: read.action,
      entity: route.replace(/^\/api\/v1\//, ''),
      entityId:
        req.params.schoolId ?? req.params.classId ?? req.params.districtId ?? req.params.studentId ?? null,
      schoolId: req.params.schoolId ?? null,
      details: { url: req.originalUrl, rows: Array.isArray(body) ? body.length : undefined },
    });
  }
}

function cut(body: unknown, req: HttpRequest): unknown {
  const visible = req.visibleStudentIds;
  if (!visible) return body;
  if (!Array.isArray(body)) throw new DomainError('not_found', 'not found');
  return body.filter((row: unknown) => {
    const id = (row as { studentId?: unknown } | null)?.studentId;
    return typeof id === 'string' && visible.has(id);
  });
}
