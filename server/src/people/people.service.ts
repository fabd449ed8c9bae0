/**
 * The directory as people see it over REST: districts, schools (rules, calendar, holidays),
 * classes, students, guardians. Every list is cut to the caller's scope; every change is one
 * transaction together with its audit row. The rules are here (scope, uniqueness, rule checks)
 * and in `directory/rules.ts` (names, channel defaults) which every directory writer shares; the
 * SQL is in the repositories of each table.
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
import { guardianChannels } from '../directory/rules.js';
import { DistrictsRepository } from './districts.repository.js';
import { SchoolsRepository } from './schools.repository.js';
import { ClassesRepository } from './classes.repository.js';
import { StudentsRepository } from './students.repository.js';
import { GuardiansRepository } from './guardians.repository.js';

@Injectable()
export class PeopleService {
  constructor(
    private readonly db: Database,
    private readonly districts: DistrictsRepository,
    private readonly schools: SchoolsRepository,
    private readonly classes: ClassesRepository,
    private readonly students: StudentsRepository,
    private readonly guardians: GuardiansRepository,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  // ---- districts

  async listDistricts(caller: Caller): Promise<District[]> {
    if (caller.role === 'teacher' || caller.role === 'parent') return [];
    return this.districts.list(
      caller.role === 'admin' ? undefined : (caller.districtId ?? '00000000-0000-0000-0000-000000000000'),
    );
  }

  async createDistrict(caller: Caller, input: z.infer<typeof NewDistrictSchema>): Promise<District> {
    return this.db.transaction(async (c) => {
      if (await this.districts.codeTaken(c, input.code))
        throw new DomainError('conflict', `district code ${input.code} exists`);
      const d = await this.districts.insert(c, input);
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
      if (patch.name) await this.districts.rename(c, id, patch.name);
      await this.audit.record(
        caller,
        { action: 'district.update', entity: 'district', entityId: id, details: patch },
        c,
      );
      const d = await this.districts.get(id, c);
      if (!d) throw new DomainError('not_found', `district ${id} not found`);
      return d;
    });
  }

  // ---- schools

  async listSchools(caller: Caller, districtId?: string): Promise<School[]> {
    const s = this.scope.schoolsSql(caller, 's');
    if (!districtId) return this.schools.list(s);
    return this.schools.list({
      sql: `${s.sql} AND s.district_id = $${s.params.length + 1}`,
      params: [...s.params, districtId],
    });
  }

  async getSchool(id: string, c: SqlClient = this.db.pool): Promise<School> {
    const school = await this.schools.get(id, c);
    if (!school) throw new DomainError('not_found', `school ${id} not found`);
    return school;
  }

  async createSchool(caller: Caller, input: z.infer<typeof NewSchoolSchema>): Promise<School> {
    await this.scope.require(caller, 'district', input.districtId);
    const { districtId, code, name, level, ...rules } = input;
    return this.db.transaction(async (c) => {
      if (await this.schools.codeTaken(c, code))
        throw new DomainError('conflict', `school code ${code} exists`);
      const id = await this.schools.insert(c, { districtId, code, name, level: level ?? null });
      await this.schools.update(c, id, rules);
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
      await this.schools.update(c, id, patch);
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
    return this.classes.listOfSchool(schoolId, this.scope.classesSql(caller, 'c', 2));
  }

  async getClass(id: string): Promise<SchoolClass> {
    const r = await this.classes.get(id);
    if (!r) throw new DomainError('not_found', `class ${id} not found`);
    return r;
  }

  async createClass(
    caller: Caller,
    schoolId: string,
    input: z.infer<typeof NewClassSchema>,
  ): Promise<SchoolClass> {
    return this.db.transaction(async (c) => {
      if (await this.classes.nameTaken(c, schoolId, input.name))
        throw new DomainError('conflict', `class ${input.name} exists in this school`);
      const id = await this.classes.insert(c, {
        schoolId,
        name: input.name,
        grade: input.grade ?? gradeOfClass(input.name),
      });
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
      if (
        patch.name &&
        patch.name !== before.name &&
        (await this.classes.nameTaken(c, before.schoolId, patch.name))
      )
        throw new DomainError('conflict', `class ${patch.name} exists in this school`);
      await this.classes.update(c, id, patch);
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
    return this.students.list({
      ...where,
      scope: this.scope.studentsSql(caller, 'st'),
      q: where.q ? where.q.normalize('NFC').trim() : undefined,
    });
  }

  async getStudent(id: string, c: SqlClient = this.db.pool): Promise<Student> {
    const student = await this.students.get(id, c);
    if (!student) throw new DomainError('not_found', `student ${id} not found`);
    return student;
  }

  async createStudent(caller: Caller, input: z.infer<typeof NewStudentSchema>): Promise<Student> {
    await this.scope.require(caller, 'class', input.classId);
    const klass = await this.getClass(input.classId);
    return this.db.transaction(async (c) => {
      if (await this.students.codeTaken(c, input.studentCode))
        throw new DomainError('conflict', `student code ${input.studentCode} exists`);
      await useClockForEnrolments(c, this.clock.now());
      const id = await this.students.insert(c, {
        schoolId: klass.schoolId,
        classId: input.classId,
        studentCode: input.studentCode,
        name: input.name,
        birthDate: input.birthDate ?? null,
        gender: input.gender ?? null,
        ethnicity: input.ethnicity ?? null,
      });
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
      await this.students.update(c, id, patch);
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
      const channels = guardianChannels(input) as Guardian['channels'];
      const id = await this.guardians.insert(c, studentId, {
        name: input.name,
        phone: input.phone ?? null,
        email: input.email ?? null,
        zaloId: input.zaloId ?? null,
        channels,
        relation: input.relation ?? null,
      });
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
}
