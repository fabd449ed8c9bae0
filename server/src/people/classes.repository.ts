/** The `classes` table (with each class's count of active students). */
import { Injectable } from '@nestjs/common';
import type { SchoolClass } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { setClause } from '../db/set-clause.js';

const CLASS_COLUMNS = `c.id, c.school_id AS "schoolId", c.name, c.grade, (SELECT count(*)::int FROM students x WHERE x.class_id = c.id AND x.active) AS "studentCount"`;

@Injectable()
export class ClassesRepository {
  constructor(private readonly db: Database) {}

  /** The school's classes matching `where` (a condition on `c` whose parameters start at `$2`). */
  listOfSchool(schoolId: string, where: { sql: string; params: unknown[] }): Promise<SchoolClass[]> {
    return this.db.query<SchoolClass>(
      `SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.school_id = $1 AND ${where.sql} ORDER BY c.grade NULLS LAST, c.name`,
      [schoolId, ...where.params],
    );
  }

  async get(id: string): Promise<SchoolClass | null> {
    const [r] = await this.db.query<SchoolClass>(`SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.id = $1`, [
      id,
    ]);
    return r ?? null;
  }

  async nameTaken(c: SqlClient, schoolId: string, name: string): Promise<boolean> {
    const r = await c.query('SELECT 1 FROM classes WHERE school_id = $1 AND name = $2', [schoolId, name]);
    return (r.rowCount ?? 0) > 0;
  }

  async insert(c: SqlClient, k: { schoolId: string; name: string; grade: number | null }): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO classes (school_id, name, grade) VALUES ($1, $2, $3) RETURNING id',
      [k.schoolId, k.name, k.grade],
    );
    return r.rows[0]!.id;
  }

  async update(c: SqlClient, id: string, patch: { name?: string; grade?: number | null }): Promise<void> {
    const set = setClause(patch, { name: 'name', grade: 'grade' });
    if (set.sql) await c.query(`UPDATE classes SET ${set.sql} WHERE id = $1`, [id, ...set.params]);
  }
}
