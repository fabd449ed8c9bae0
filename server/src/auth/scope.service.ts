/**
 * Scope rules (CONTRACT §4): admin → everything; district → its district's schools; school → its
 * school; teacher → its classes and their students; parent → its own children. One place answers
 * "may this caller see that id?" and "which rows of a list may it see?".
 */
import { Injectable } from '@nestjs/common';
import { Database } from '../db/database.service.js';
import type { UserRole } from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import type { Access, Caller, ScopedKind } from './caller.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}

interface Place {
  districtId: string;
  schoolId: string | null;
  classId: string | null;
  studentId: string | null;
}

/** A SQL condition (with its parameters starting at `$n`) that keeps the rows in the caller's scope. */
export interface ScopeSql {
  sql: string;
  params: unknown[];
}

@Injectable()
export class ScopeService {
  constructor(private readonly db: Database) {}

  async loadCaller(userId: string): Promise<Caller | null> {
    const [u] = await this.db.query<{
      id: string;
      username: string;
      role: UserRole;
      district_id: string | null;
      school_id: string | null;
      active: boolean;
    }>('SELECT id, username, role, district_id, school_id, active FROM users WHERE id = $1', [userId]);
    if (!u || !u.active) return null;
    const caller: Caller = {
      userId: u.id,
      username: u.username,
      role: u.role,
      districtId: u.district_id,
      schoolId: u.school_id,
      classIds: [],
      studentIds: [],
    };
    if (u.role === 'teacher') {
      caller.classIds = (
        await this.db.query<{ class_id: string }>('SELECT class_id FROM user_classes WHERE user_id = $1', [
          u.id,
        ])
      ).map((r) => r.class_id);
    } else if (u.role === 'parent') {
      caller.studentIds = (
        await this.db.query<{ student_id: string }>(
          `SELECT student_id FROM user_students WHERE user_id = $1
           UNION SELECT sg.student_id FROM guardians g JOIN student_guardians sg ON sg.guardian_id = g.id WHERE g.user_id = $1`,
          [u.id],
        )
      ).map((r) => r.student_id);
    }
    return caller;
  }

  /** How much of the entity the caller sees; `none` also for an id that does not exist. */
  async access(caller: Caller, kind: ScopedKind, id: string): Promise<Access> {
    if (!isUuid(id)) return 'none';
    const place = await this.place(kind, id);
    if (!place) return 'none';
    return accessTo(caller, kind, place, await this.partialHints(caller, kind, place));
  }

  /** Throws 404 unless the caller sees the entity (at least partly when `partialOk`). */
  async require(
    caller: Caller,
    kind: ScopedKind,
    id: string,
    opts: { partialOk?: boolean } = {},
  ): Promise<Access> {
    const a = await this.access(caller, kind, id);
    if (a === 'none' || (a === 'partial' && !opts.partialOk))
      throw new DomainError('not_found', `${kind} ${id} not found`);
    return a;
  }

  /** The students of a school/class a teacher or parent may see (for cutting lists). */
  async visibleStudents(caller: Caller): Promise<Set<string>> {
    if (caller.role === 'parent') return new Set(caller.studentIds);
    if (caller.role === 'teacher') {
      const rows = await this.db.query<{ id: string }>(
        'SELECT id FROM students WHERE class_id = ANY($1::uuid[])',
        [caller.classIds],
      );
      return new Set(rows.map((r) => r.id));
    }
    return new Set();
  }

  /** Schools in scope, as a condition on a `schools` alias (full or partial access). */
  schoolsSql(caller: Caller, alias: string, n = 1): ScopeSql {
    switch (caller.role) {
      case 'admin':
        return { sql: 'TRUE', params: [] };
      case 'district':
        return { sql: `${alias}.district_id = $${n}`, params: [caller.districtId] };
      case 'school':
        return { sql: `${alias}.id = $${n}`, params: [caller.schoolId] };
      case 'teacher':
        return {
          sql: `${alias}.id IN (SELECT school_id FROM classes WHERE id = ANY($${n}::uuid[]))`,
          params: [caller.classIds],
        };
      case 'parent':
        return {
          sql: `${alias}.id IN (SELECT school_id FROM students WHERE id = ANY($${n}::uuid[]))`,
          params: [caller.studentIds],
        };
    }
  }

  /** Students in scope, as a condition on a `students` alias. */
  studentsSql(caller: Caller, alias: string, n = 1): ScopeSql {
    switch (caller.role) {
      case 'admin':
        return { sql: 'TRUE', params: [] };
      case 'district':
        return {
          sql: `${alias}.school_id IN (SELECT id FROM schools WHERE district_id = $${n})`,
          params: [caller.districtId],
        };
      case 'school':
        return { sql: `${alias}.school_id = $${n}`, params: [caller.schoolId] };
      case 'teacher':
        return { sql: `${alias}.class_id = ANY($${n}::uuid[])`, params: [caller.classIds] };
      case 'parent':
        return { sql: `${alias}.id = ANY($${n}::uuid[])`, params: [caller.studentIds] };
    }
  }

  /** Classes in scope, as a condition on a `classes` alias (parents see their children's classes by name only through students). */
  classesSql(caller: Caller, alias: string, n = 1): ScopeSql {
    switch (caller.role) {
      case 'admin':
        return { sql: 'TRUE', params: [] };
      case 'district':
        return {
          sql: `${alias}.school_id IN (SELECT id FROM schools WHERE district_id = $${n})`,
          params: [caller.districtId],
        };
      case 'school':
        return { sql: `${alias}.school_id = $${n}`, params: [caller.schoolId] };
      case 'teacher':
        return { sql: `${alias}.id = ANY($${n}::uuid[])`, params: [caller.classIds] };
      case 'parent':
        return {
          sql: `${alias}.id IN (SELECT class_id FROM students WHERE id = ANY($${n}::uuid[]))`,
          params: [caller.studentIds],
        };
    }
  }

  private async place(kind: ScopedKind, id: string): Promise<Place | null> {
    const sql: Record<ScopedKind, string> = {
      district:
        'SELECT id AS "districtId", NULL::uuid AS "schoolId", NULL::uuid AS "classId", NULL::uuid AS "studentId" FROM districts WHERE id = $1',
      school:
        'SELECT district_id AS "districtId", id AS "schoolId", NULL::uuid AS "classId", NULL::uuid AS "studentId" FROM schools WHERE id = $1',
      class:
        'SELECT s.district_id AS "districtId", c.school_id AS "schoolId", c.id AS "classId", NULL::uuid AS "studentId" FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = $1',
      student:
        'SELECT s.district_id AS "districtId", st.school_id AS "schoolId", st.class_id AS "classId", st.id AS "studentId" FROM students st JOIN schools s ON s.id = st.school_id WHERE st.id = $1',
    };
    const [row] = await this.db.query<Place & Record<string, unknown>>(sql[kind], [id]);
    return row ?? null;
  }

  /** For teachers and parents: whether one of their classes/children lies inside the entity. */
  private async partialHints(caller: Caller, kind: ScopedKind, place: Place): Promise<boolean> {
    if (kind === 'student' || kind === 'district') return false;
    if (caller.role === 'teacher') {
      if (kind === 'class') return false;
      const [r] = await this.db.query(
        'SELECT 1 FROM classes WHERE id = ANY($1::uuid[]) AND school_id = $2 LIMIT 1',
        [caller.classIds, place.schoolId],
      );
      return !!r;
    }
    if (caller.role === 'parent') {
      const column = kind === 'class' ? 'class_id' : 'school_id';
      const [r] = await this.db.query(
        `SELECT 1 FROM students WHERE id = ANY($1::uuid[]) AND ${column} = $2 LIMIT 1`,
        [caller.studentIds, kind === 'class' ? place.classId : place.schoolId],
      );
      return !!r;
    }
    return false;
  }
}

/** The pure rule (no I/O): what a caller sees of a place. */
export function accessTo(caller: Caller, kind: ScopedKind, place: Place, holdsPart: boolean): Access {
  switch (caller.role) {
    case 'admin':
      return 'full';
    case 'district':
      return place.districtId === caller.districtId ? 'full' : 'none';
    case 'school':
      if (kind === 'district') return place.districtId === (caller.districtId ?? null) ? 'partial' : 'none';
      return place.schoolId === caller.schoolId ? 'full' : 'none';
    case 'teacher':
      if (kind === 'student' || kind === 'class')
        return place.classId && caller.classIds.includes(place.classId) ? 'full' : 'none';
      if (kind === 'school') return holdsPart ? 'partial' : 'none';
      return 'none';
    case 'parent':
      if (kind === 'student')
        return place.studentId && caller.studentIds.includes(place.studentId) ? 'full' : 'none';
      if (kind === 'school' || kind === 'class') return holdsPart ? 'partial' : 'none';
      return 'none';
  }
}
