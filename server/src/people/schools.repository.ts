/** The `schools` table: a school, its rules (time zone, school days, clock times) and calendar (holidays, first day). */
import { Injectable } from '@nestjs/common';
import type { School } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { setClause } from '../db/set-clause.js';

export const SCHOOL_COLUMNS = `s.id, s.code, s.name, s.district_id AS "districtId", s.level, s.time_zone AS "timeZone", s.school_days::int[] AS "schoolDays",
  s.holidays::text[] AS holidays, s.on_time_until AS "onTimeUntil", s.late_until AS "lateUntil", s.absence_cutoff AS "absenceCutoff",
  s.checkout_from AS "checkoutFrom", s.checkout_until AS "checkoutUntil", s.starts_on::text AS "startsOn", s.report_time AS "reportTime"`;

/** Fields of a school patch and their columns. */
const SCHOOL_FIELDS: Record<string, string> = {
  timeZone: 'time_zone',
  schoolDays: 'school_days',
  holidays: 'holidays',
  onTimeUntil: 'on_time_until',
  lateUntil: 'late_until',
  startsOn: 'starts_on',
  reportTime: 'report_time',
  absenceCutoff: 'absence_cutoff',
  checkoutFrom: 'checkout_from',
  checkoutUntil: 'checkout_until',
  name: 'name',
  level: 'level',
};

@Injectable()
export class SchoolsRepository {
  constructor(private readonly db: Database) {}

  /** Schools matching `where` (a condition on `s`, e.g. the caller's scope), by code. */
  list(where: { sql: string; params: unknown[] }): Promise<School[]> {
    return this.db.query<School>(
      `SELECT ${SCHOOL_COLUMNS} FROM schools s WHERE ${where.sql} ORDER BY s.code`,
      where.params,
    );
  }

  async get(id: string, c: SqlClient = this.db.pool): Promise<School | null> {
    const r = await c.query<School>(`SELECT ${SCHOOL_COLUMNS} FROM schools s WHERE s.id = $1`, [id]);
    return r.rows[0] ?? null;
  }

  async codeTaken(c: SqlClient, code: string): Promise<boolean> {
    return ((await c.query('SELECT 1 FROM schools WHERE code = $1', [code])).rowCount ?? 0) > 0;
  }

  async insert(
    c: SqlClient,
    s: { districtId: string; code: string; name: string; level: string | null },
  ): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO schools (district_id, code, name, level) VALUES ($1, $2, $3, $4) RETURNING id',
      [s.districtId, s.code, s.name, s.level],
    );
    return r.rows[0]!.id;
  }

  /** Name, level, rules and calendar fields of `patch` that are set. */
  async update(c: SqlClient, id: string, patch: Record<string, unknown>): Promise<void> {
    const set = setClause(patch, SCHOOL_FIELDS);
    if (set.sql) await c.query(`UPDATE schools SET ${set.sql} WHERE id = $1`, [id, ...set.params]);
  }
}
