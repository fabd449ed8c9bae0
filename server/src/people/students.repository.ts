/**
 * The `students` table and what a student's page shows with it (class, guardians, cards). Class
 * changes and new students are enrolment changes: the caller sets the transaction's clock for the
 * enrolment trigger (`useClockForEnrolments`) first.
 */
import { Injectable } from '@nestjs/common';
import type { Guardian, Student, StudentSummary } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { setClause } from '../db/set-clause.js';

const STUDENT_COLUMNS = `st.id, st.school_id AS "schoolId", st.class_id AS "classId", c.name AS "className", st.student_code AS "studentCode", st.name,
  st.birth_date::text AS "birthDate", st.gender, st.ethnicity, st.active`;

const STUDENT_FIELDS: Record<string, string> = {
  classId: 'class_id',
  birthDate: 'birth_date',
  name: 'name',
  gender: 'gender',
  ethnicity: 'ethnicity',
  active: 'active',
};

export type StudentCore = Omit<Student, 'guardians' | 'cards'>;

export interface StudentFilter {
  /** The caller's scope, a condition on `st`. */
  scope: { sql: string; params: unknown[] };
  schoolId?: string;
  classId?: string;
  /** Part of the name, or the whole student code (NFC). */
  q?: string;
  limit: number;
  offset: number;
}

@Injectable()
export class StudentsRepository {
  constructor(private readonly db: Database) {}

  list(f: StudentFilter): Promise<StudentSummary[]> {
    const params = [...f.scope.params];
    const conds = [f.scope.sql];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      conds.push(sql.replace('$?', `$${params.length}`));
    };
    if (f.schoolId) add('st.school_id = $?', f.schoolId);
    if (f.classId) add('st.class_id = $?', f.classId);
    if (f.q) {
      params.push(f.q);
      conds.push(`(st.name ILIKE '%' || $${params.length} || '%' OR st.student_code = $${params.length})`);
    }
    params.push(f.limit, f.offset);
    return this.db.query<StudentSummary>(
      `SELECT ${STUDENT_COLUMNS}, (SELECT text FROM cards WHERE student_id = st.id AND status = 'active') AS card
         FROM students st JOIN classes c ON c.id = st.class_id WHERE ${conds.join(' AND ')}
         ORDER BY c.name, st.name LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** The student with their guardians (oldest first) and cards (newest first); null when there is none. */
  async get(id: string, c: SqlClient = this.db.pool): Promise<Student | null> {
    const r = await c.query<StudentCore>(
      `SELECT ${STUDENT_COLUMNS} FROM students st JOIN classes c ON c.id = st.class_id WHERE st.id = $1`,
      [id],
    );
    const core = r.rows[0];
    if (!core) return null;
    const guardians = (
      await c.query<Guardian>(
        `SELECT g.id, g.name, g.phone, g.email, g.zalo_id AS "zaloId", g.channels, sg.relation FROM guardians g JOIN student_guardians sg ON sg.guardian_id = g.id WHERE sg.student_id = $1 ORDER BY g.created_at`,
        [id],
      )
    ).rows;
    const cards = (
      await c.query<Student['cards'][number]>(
        `SELECT id, text, printed, status, created_at AS "createdAt", retired_at AS "retiredAt" FROM cards WHERE student_id = $1 ORDER BY created_at DESC`,
        [id],
      )
    ).rows;
    return { ...core, guardians, cards };
  }

  async codeTaken(c: SqlClient, studentCode: string): Promise<boolean> {
    return (
      ((await c.query('SELECT 1 FROM students WHERE student_code = $1', [studentCode])).rowCount ?? 0) > 0
    );
  }

  async insert(
    c: SqlClient,
    s: {
      schoolId: string;
      classId: string;
      studentCode: string;
      name: string;
      birthDate: string | null;
      gender: string | null;
      ethnicity: string | null;
    },
  ): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO students (school_id, class_id, student_code, name, birth_date, gender, ethnicity) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
      [s.schoolId, s.classId, s.studentCode, s.name, s.birthDate, s.gender, s.ethnicity],
    );
    return r.rows[0]!.id;
  }

  /** Many students in one statement (seeds, benchmarks, drills); their ids in input order. */
  async insertMany(
    c: SqlClient,
    rows: {
      schoolId: string;
      classId: string;
      studentCode: string;
      name: string;
      birthDate: string | null;
      gender: string | null;
      ethnicity: string | null;
    }[],
  ): Promise<string[]> {
    const r = await c.query<{ id: string }>(
      `INSERT INTO students (school_id, class_id, student_code, name, birth_date, gender, ethnicity)
       SELECT sid, cid, code, name, birth::date, gender, eth
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS t(sid, cid, code, name, birth, gender, eth, n)
        ORDER BY n RETURNING id`,
      [
        rows.map((x) => x.schoolId),
        rows.map((x) => x.classId),
        rows.map((x) => x.studentCode),
        rows.map((x) => x.name),
        rows.map((x) => x.birthDate),
        rows.map((x) => x.gender),
        rows.map((x) => x.ethnicity),
      ],
    );
    return r.rows.map((x) => x.id);
  }

  /** Class, name, birth date, gender, ethnicity and active flag, those of `patch` that are set. */
  async update(c: SqlClient, id: string, patch: Record<string, unknown>): Promise<void> {
    const set = setClause(patch, STUDENT_FIELDS);
    if (set.sql) await c.query(`UPDATE students SET ${set.sql} WHERE id = $1`, [id, ...set.params]);
  }
}
