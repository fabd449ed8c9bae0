/** The audit log's SQL: one row per change or personal-data read, and the newest-first listing. */
import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';
import type { AuditRow } from './audit.service.js';

export interface AuditQuery {
  action?: string;
  entity?: string;
  entityId?: string;
  userId?: string;
  schoolId?: string;
  since?: string;
  until?: string;
  limit: number;
  beforeId?: string;
}

export interface AuditInsert {
  userId: string | null;
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  schoolId: string | null;
  details: Record<string, unknown>;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly db: Database) {}

  /** Through `client` when given (the change's own transaction), else on the pool. */
  async insert(row: AuditInsert, client: SqlClient = this.db.pool): Promise<void> {
    await client.query(
      'INSERT INTO audit_log (user_id, actor, action, entity, entity_id, school_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [
        row.userId,
        row.actor,
        row.action,
        row.entity,
        row.entityId,
        row.schoolId,
        JSON.stringify(row.details),
      ],
    );
  }

  async list(q: AuditQuery): Promise<AuditRow[]> {
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
