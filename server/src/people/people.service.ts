/**
 * The directory as people see it over REST: districts, schools (rules, calendar, holidays),
 * classes, students, guardians. Every list is cut to the caller's scope; every change is one
 * transaction together with its audit row.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { Clock } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { useClockForEnrolments } from '../calendar/enrolment.repository.js';
import type { District, Guardian, School, SchoolClass, Student, StudentSummary } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import {
  gradeOfClass,
  type ClassPatchSchema,
  type DistrictPatchSchema,
  type NewClassSchema,
  type NewDistrictSchema,
  type NewGuardianSchema,
  type NewSchoolSchema,
  type NewStudentSchema,
  type SchoolPatchSchema,
  type StudentPatchSchema,
} from './people.schemas.js';
import { defaultChannels } from '../notifications/preferences.js';

export const SCHOOL_COLUMNS = `s.id, s.code, s.name, s.district_id AS "districtId", s.level, s.time_zone AS "timeZone", s.school_days::int[] AS "schoolDays",
  s.holidays::text[] AS holidays, s.on_time_until AS "onTimeUntil", s.late_until AS "lateUntil", s.absence_cutoff AS "absenceCutoff",
  s.checkout_from AS "checkoutFrom", s.checkout_until AS "checkoutUntil", s.starts_on::text AS "startsOn", s.report_time AS "reportTime"`;
const STUDENT_COLUMNS = `st.id, st.school_id AS "schoolId", st.class_id AS "classId", c.name AS "className", st.student_code AS "studentCode", st.name,
  st.birth_date::text AS "birthDate", st.gender, st.ethnicity, st.active`;
const CLASS_COLUMNS = `c.id, c.school_id AS "schoolId", c.name, c.grade, (SELECT count(*)::int FROM students x WHERE x.class_id = c.id AND x.active) AS "studentCount"`;

const RULE_COLUMNS: Record<string, string> = {
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

type StudentCore = Omit<Student, 'guardians' | 'cards'>;

@Injectable()
export class PeopleService {
  constructor(
    private readonly db: Database,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // ---- districts

  async listDistricts(caller: Caller): Promise<District[]> {
    const cond =
      caller.role === 'admin'
        ? { sql: 'TRUE', params: [] as unknown[] }
        : { sql: 'd.id = $1', params: [caller.districtId ?? '00000000-0000-0000-0000-000000000000'] };
    if (caller.role === 'teacher' || caller.role === 'parent') return [];
    return this.db.query<District>(
      `SELECT d.id, d.code, d.name FROM districts d WHERE ${cond.sql} ORDER BY d.code`,
      cond.params,
    );
  }

  async createDistrict(caller: Caller, input: z.infer<typeof NewDistrictSchema>): Promise<District> {
    return this.db.transaction(async (c) => {
      await this.assertFree(
        c,
        'SELECT 1 FROM districts WHERE code = $1',
        [input.code],
        `district code ${input.code} exists`,
      );
      const r = await c.query<District>(
        'INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id, code, name',
        [input.code, input.name],
      );
      const d = r.rows[0]!;
      await this.audit.record(
        caller,
        { action: 'district.create', entity: 'district', entityId: d.id, details: input },
        c,
      );
      return d;
    });
  }

  async updateDistrict(
    caller: Caller,
    id: string,
    patch: z.infer<typeof DistrictPatchSchema>,
  ): Promise<District> {
    return this.db.transaction(async (c) => {
      if (patch.name) await c.query('UPDATE districts SET name = $2 WHERE id = $1', [id, patch.name]);
      await this.audit.record(
        caller,
        { action: 'district.update', entity: 'district', entityId: id, details: patch },
        c,
      );
      const d = (await c.query<District>('SELECT id, code, name FROM districts WHERE id = $1', [id])).rows[0];
      if (!d) throw new DomainError('not_found', `district ${id} not found`);
      return d;
    });
  }

  // ---- schools

  async listSchools(caller: Caller, districtId?: string): Promise<School[]> {
    const s = this.scope.schoolsSql(caller, 's');
    const params = [...s.params];
    let extra = '';
    if (districtId) {
      params.push(districtId);
      extra = ` AND s.district_id = $${params.length}`;
    }
    return this.db.query<School>(
      `SELECT ${SCHOOL_COLUMNS} FROM schools s WHERE ${s.sql}${extra} ORDER BY s.code`,
      params,
    );
  }

  async getSchool(id: string, c: SqlClient = this.db.pool): Promise<School> {
    const r = await c.query<School>(`SELECT ${SCHOOL_COLUMNS} FROM schools s WHERE s.id = $1`, [id]);
    if (!r.rows[0]) throw new DomainError('not_found', `school ${id} not found`);
    return r.rows[0];
  }

  async createSchool(caller: Caller, input: z.infer<typeof NewSchoolSchema>): Promise<School> {
    await this.scope.require(caller, 'district', input.districtId);
    const { districtId, code, name, level, ...rules } = input;
    return this.db.transaction(async (c) => {
      await this.assertFree(c, 'SELECT 1 FROM schools WHERE code = $1', [code], `school code ${code} exists`);
      const r = await c.query<{ id: string }>(
        'INSERT INTO schools (district_id, code, name, level) VALUES ($1, $2, $3, $4) RETURNING id',
        [districtId, code, name, level ?? null],
      );
      const id = r.rows[0]!.id;
      await this.setColumns(c, 'schools', id, rules);
      await this.audit.record(
        caller,
        { action: 'school.create', entity: 'school', entityId: id, schoolId: id, details: input },
        c,
      );
      return this.getSchool(id, c);
    });
  }

  async updateSchool(caller: Caller, id: string, patch: z.infer<typeof SchoolPatchSchema>): Promise<School> {
    return this.db.transaction(async (c) => {
      await this.setColumns(c, 'schools', id, patch);
      const school = await this.getSchool(id, c);
      if (school.lateUntil < school.onTimeUntil)
        throw new DomainError('bad_rules', 'lateUntil must not be before onTimeUntil');
      if (school.checkoutUntil < school.checkoutFrom)
        throw new DomainError('bad_rules', 'checkoutUntil must not be before checkoutFrom');
      await this.audit.record(
        caller,
        { action: 'school.update', entity: 'school', entityId: id, schoolId: id, details: patch },
        c,
      );
      return school;
    });
  }

  // ---- classes

  async listClasses(caller: Caller, schoolId: string): Promise<SchoolClass[]> {
    const s = this.scope.classesSql(caller, 'c', 2);
    return this.db.query<SchoolClass>(
      `SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.school_id = $1 AND ${s.sql} ORDER BY c.grade NULLS LAST, c.name`,
      [schoolId, ...s.params],
    );
  }

  async getClass(id: string): Promise<SchoolClass> {
    const [r] = await this.db.query<SchoolClass>(`SELECT ${CLASS_COLUMNS} FROM classes c WHERE c.id = $1`, [
      id,
    ]);
    if (!r) throw new DomainError('not_found', `class ${id} not found`);
    return r;
  }

  async createClass(
    caller: Caller,
    schoolId: string,
    input: z.infer<typeof NewClassSchema>,
  ): Promise<SchoolClass> {
    return this.db.transaction(async (c) => {
      await this.assertFree(
        c,
        'SELECT 1 FROM classes WHERE school_id = $1 AND name = $2',
        [schoolId, input.name],
        `class ${input.name} exists in this school`,
      );
      const r = await c.query<{ id: string }>(
        'INSERT INTO classes (school_id, name, grade) VALUES ($1, $2, $3) RETURNING id',
        [schoolId, input.name, input.grade ?? gradeOfClass(input.name)],
      );
      const id = r.rows[0]!.id;
      await this.audit.record(
        caller,
        { action: 'class.create', entity: 'class', entityId: id, schoolId, details: input },
        c,
      );
      return {
        id,
        schoolId,
        name: input.name,
        grade: input.grade ?? gradeOfClass(input.name),
        studentCount: 0,
      };
    });
  }

  async updateClass(
    caller: Caller,
    id: string,
    patch: z.infer<typeof ClassPatchSchema>,
  ): Promise<SchoolClass> {
    const before = await this.getClass(id);
    await this.db.transaction(async (c) => {
      if (patch.name && patch.name !== before.name) {
        await this.assertFree(
          c,
          'SELECT 1 FROM classes WHERE school_id = $1 AND name = $2',
          [before.schoolId, patch.name],
          `class ${patch.name} exists in this school`,
        );
      }
      await this.setColumns(c, 'classes', id, patch as Record<string, unknown>);
      await this.audit.record(
        caller,
        { action: 'class.update', entity: 'class', entityId: id, schoolId: before.schoolId, details: patch },
        c,
      );
    });
    return this.getClass(id);
  }

  // ---- students

  async listStudents(
    caller: Caller,
    where: { schoolId?: string; classId?: string; q?: string; limit: number; offset: number },
  ): Promise<StudentSummary[]> {
    const s = this.scope.studentsSql(caller, 'st');
    const params = [...s.params];
    const conds = [s.sql];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      conds.push(sql.replace('$?', `$${params.length}`));
    };
    if (where.schoolId) add('st.school_id = $?', where.schoolId);
    if (where.classId) add('st.class_id = $?', where.classId);
    if (where.q) {
      params.push(where.q.normalize('NFC').trim());
      conds.push(`(st.name ILIKE '%' || $${params.length} || '%' OR st.student_code = $${params.length})`);
    }
    params.push(where.limit, where.offset);
    return this.db.query<StudentSummary>(
      `SELECT ${STUDENT_COLUMNS}, (SELECT text FROM cards WHERE student_id = st.id AND status = 'active') AS card
         FROM students st JOIN classes c ON c.id = st.class_id WHERE ${conds.join(' AND ')}
         ORDER BY c.name, st.name LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  async getStudent(id: string, c: SqlClient = this.db.pool): Promise<Student> {
    const r = await c.query<StudentCore>(
      `SELECT ${STUDENT_COLUMNS} FROM students st JOIN classes c ON c.id = st.class_id WHERE st.id = $1`,
      [id],
    );
    if (!r.rows[0]) throw new DomainError('not_found', `student ${id} not found`);
    const core = r.rows[0];
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

  async createStudent(caller: Caller, input: z.infer<typeof NewStudentSchema>): Promise<Student> {
    await this.scope.require(caller, 'class', input.classId);
    const klass = await this.getClass(input.classId);
    return this.db.transaction(async (c) => {
      await this.assertFree(
        c,
        'SELECT 1 FROM students WHERE student_code = $1',
        [input.studentCode],
        `student code ${input.studentCode} exists`,
      );
      await useClockForEnrolments(c, this.clock.now());
      const r = await c.query<{ id: string }>(
        'INSERT INTO students (school_id, class_id, student_code, name, birth_date, gender, ethnicity) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
        [
          klass.schoolId,
          input.classId,
          input.studentCode,
          input.name,
          input.birthDate ?? null,
          input.gender ?? null,
          input.ethnicity ?? null,
        ],
      );
      const id = r.rows[0]!.id;
      await this.audit.record(
        caller,
        {
          action: 'student.create',
          entity: 'student',
          entityId: id,
          schoolId: klass.schoolId,
          details: input,
        },
        c,
      );
      return this.getStudent(id, c);
    });
  }

  async updateStudent(
    caller: Caller,
    id: string,
    patch: z.infer<typeof StudentPatchSchema>,
  ): Promise<Student> {
    const before = await this.getStudent(id);
    if (patch.classId && patch.classId !== before.classId) {
      await this.scope.require(caller, 'class', patch.classId);
      const klass = await this.getClass(patch.classId);
      if (klass.schoolId !== before.schoolId)
        throw new DomainError(
          'bad_request',
          'classId: a class of another school (move the student with an import or by its school)',
        );
    }
    return this.db.transaction(async (c) => {
      await useClockForEnrolments(c, this.clock.now());
      await this.setColumns(c, 'students', id, patch as Record<string, unknown>, {
        classId: 'class_id',
        birthDate: 'birth_date',
        name: 'name',
        gender: 'gender',
        ethnicity: 'ethnicity',
        active: 'active',
      });
      await this.audit.record(
        caller,
        {
          action: 'student.update',
          entity: 'student',
          entityId: id,
          schoolId: before.schoolId,
          details: patch,
        },
        c,
      );
      return this.getStudent(id, c);
    });
  }

  async addGuardian(
    caller: Caller,
    studentId: string,
    input: z.infer<typeof NewGuardianSchema>,
  ): Promise<Guardian> {
    const student = await this.getStudent(studentId);
    return this.db.transaction(async (c) => {
      const channels = input.channels ?? defaultChannels(input.phone);
      const r = await c.query<{ id: string }>(
        'INSERT INTO guardians (name, phone, email, zalo_id, channels) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [input.name, input.phone ?? null, input.email ?? null, input.zaloId ?? null, channels],
      );
      const id = r.rows[0]!.id;
      await c.query('INSERT INTO student_guardians (student_id, guardian_id, relation) VALUES ($1, $2, $3)', [
        studentId,
        id,
        input.relation ?? null,
      ]);
      await this.audit.record(
        caller,
        {
          action: 'guardian.create',
          entity: 'guardian',
          entityId: id,
          schoolId: student.schoolId,
          details: { studentId, ...input },
        },
        c,
      );
      return {
        id,
        name: input.name,
        phone: input.phone ?? null,
        email: input.email ?? null,
        zaloId: input.zaloId ?? null,
        channels,
        relation: input.relation ?? null,
      };
    });
  }

  private async assertFree(c: SqlClient, sql: string, params: unknown[], message: string): Promise<void> {
    const r = await c.query(sql, params);
    if (r.rows.length) throw new DomainError('conflict', message);
  }

  private async setColumns(
    c: SqlClient,
    table: string,
    id: string,
    patch: Record<string, unknown>,
    columns: Record<string, string> = RULE_COLUMNS,
  ): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(patch)) {
      const col = columns[k] ?? (k === 'grade' ? 'grade' : undefined);
      if (!col || v === undefined) continue;
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    }
    if (sets.length) await c.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1`, params);
  }
}
