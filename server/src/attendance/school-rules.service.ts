import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { Database, type SqlClient } from '../db/database.service.js';
import {
  rulesFromRow,
  SCHOOL_RULES_COLUMNS,
  type SchoolRules,
  type SchoolRulesRow,
} from './attendance-rules.js';

export interface SchoolContext {
  schoolId: string;
  rules: SchoolRules;
  /** Fixed terminal directions: key `${gatewayId}/${terminalId}`. */
  terminalDirections: Map<string, 'in' | 'out'>;
}

const TTL_MS = 10_000;

/** Schools' rules, cached briefly: the ingest path needs them for every batch. */
@Injectable()
export class SchoolRulesService {
  private readonly cache = new Map<string, { ctx: SchoolContext; at: number }>();

  constructor(
    private readonly db: Database,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  invalidate(schoolId?: string): void {
    if (schoolId) this.cache.delete(schoolId);
    else this.cache.clear();
  }

  async get(schoolIds: Iterable<string>, client?: SqlClient): Promise<Map<string, SchoolContext>> {
    const out = new Map<string, SchoolContext>();
    const missing: string[] = [];
    const now = this.clock.now().getTime();
    for (const id of new Set(schoolIds)) {
      const hit = this.cache.get(id);
      if (hit && now - hit.at < TTL_MS) out.set(id, hit.ctx);
      else missing.push(id);
    }
    if (missing.length) {
      const q = client ?? this.db.pool;
      const schools = await q.query<SchoolRulesRow & { id: string }>(
        `SELECT id, ${SCHOOL_RULES_COLUMNS}
           FROM schools WHERE id = ANY($1::uuid[])`,
        [missing],
      );
      const terminals = await q.query<{
        school_id: string;
        gateway_id: string;
        id: string;
        direction: 'in' | 'out';
      }>(
        `SELECT school_id, gateway_id, id, direction FROM terminals WHERE school_id = ANY($1::uuid[]) AND direction IS NOT NULL`,
        [missing],
      );
      for (const s of schools.rows) {
        const ctx: SchoolContext = { schoolId: s.id, rules: rulesFromRow(s), terminalDirections: new Map() };
        for (const t of terminals.rows)
          if (t.school_id === s.id) ctx.terminalDirections.set(`${t.gateway_id}/${t.id}`, t.direction);
        this.cache.set(s.id, { ctx, at: now });
        out.set(s.id, ctx);
      }
    }
    return out;
  }
}
