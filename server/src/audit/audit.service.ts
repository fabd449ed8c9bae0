import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';
import { actorOf, type Caller } from '../auth/caller.js';

export interface AuditEvent {
  /** e.g. `student.update`, `card.lost`, `attendance.set`, `import.students`, `export.attendance`. */
  action: string;
  entity: string;
  entityId?: string | null;
  schoolId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  at: string;
  userId: string | null;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  schoolId: string | null;
  details: Record<string, unknown>;
}

/**
 * The audit log: who changed what and who read/exported personal data, when. A change writes its
 * row through the same `client` (same transaction) so there is never a change without its entry.
 */
@Injectable()
export class AuditService {
  constructor(private readonly db: Database) {}

  async record(caller: Caller | null, e: AuditEvent, client?: SqlClient): Promise<void> {
    const sql =
      'INSERT INTO audit_log (user_id, actor, action, entity, entity_id, school_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)';
    const params = [
      caller?.userId ?? null,
      actorOf(caller),
      e.action,
      e.entity,
      e.entityId ?? null,
      e.schoolId ?? null,
      JSON.stringify(e.details ?? {}),
    ];
    if (client) await client.query(sql, params);
    else await this.db.query(sql, params);
  }

  async list(q: {
    action?: string;
    entity?: string;
    entityId?: string;
    userId?: string;
    schoolId?: string;
    since?: string;
    until?: string;
    limit: number;
    beforeId?: string;
  }): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: string, v: unknown) => {
      params.push(v);
      where.push(cond.replace('$?', `$${params.length}`));
    };
    if (q.action) add(q.action.endsWith('.') ? "action LIKE $? || '%'" : 'action = $?', q.action);
    if (q.entity) add('entity = $?', q.entity);
    if (q.entityId) add('entity_id = $?', q.entityId);
    if (q.userId) add('user_id = $?', q.userId);
    if (q.schoolId) add('school_id = $?', q.schoolId);
    if (q.since) add('at >= $?', q.since);
    if (q.until) add('at < $?', q.until);
    if (q.beforeId) add('id < $?', q.beforeId);
    params.push(q.limit);
    return this.db.query<AuditRow & Record<string, unknown>>(
      `SELECT id::text, at, user_id AS "userId", actor, action, entity, entity_id AS "entityId", school_id AS "schoolId", details
         FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
