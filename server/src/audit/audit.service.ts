import { Injectable } from '@nestjs/common';
import type { SqlClient } from '../db/database.service.js';
import { AuditRepository, type AuditQuery } from './audit.repository.js';
import { actorOf, type Caller } from '../auth/caller.js';

export interface AuditEvent {
  /** e.g. `student.update`, `card.lost`, `attendance.set`, `import.students`, `export.attendance`. */
  action: string;
  entity: string;
  entityId?: string | null;
  schoolId?: string | null;
  details?: Record<string, unknown>;
}

export type { AuditQuery } from './audit.repository.js';

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
  constructor(private readonly repo: AuditRepository) {}

  async record(caller: Caller | null, e: AuditEvent, client?: SqlClient): Promise<void> {
    await this.repo.insert(
      {
        userId: caller?.userId ?? null,
        actor: actorOf(caller),
        action: e.action,
        entity: e.entity,
        entityId: e.entityId ?? null,
        schoolId: e.schoolId ?? null,
        details: e.details ?? {},
      },
      client,
    );
  }

  list(q: AuditQuery): Promise<AuditRow[]> {
    return this.repo.list(q);
  }
}
