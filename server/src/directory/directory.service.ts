/**
 * Programmatic creation of the school directory: districts, schools, classes, students,
 * guardians and cards. Used by the demo seed, the benchmarks and tests; the REST/import layer
 * (issue #6) builds on the same methods so card keys and invariants live in one place.
 */
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  cardMatchKeys,
  cardToText,
  isValidTimeZone,
  parseClock,
  parsePrintedCard,
  type CardId,
  type CardTech,
} from '@rfid/protocol';
import {
  Card,
  CardKey,
  District,
  Guardian,
  School,
  SchoolClass,
  Student,
  StudentGuardian,
  type NotificationChannel,
} from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import { defaultChannels } from '../notifications/preferences.js';

export interface SchoolRulesInput {
  timeZone?: string;
  schoolDays?: number[];
  holidays?: string[];
  onTimeUntil?: string;
  lateUntil?: string;
  absenceCutoff?: string;
  checkoutFrom?: string;
  checkoutUntil?: string;
  startsOn?: string | null;
  reportTime?: string;
}

export interface NewStudent {
  schoolId: string;
  classId: string;
  studentCode: string;
  name: string;
  birthDate?: string | null;
  gender?: string | null;
  ethnicity?: string | null;
}

export interface NewGuardian {
  name: string;
  phone?: string | null;
  email?: string | null;
  zaloId?: string | null;
  channels?: NotificationChannel[];
  relation?: string | null;
}

@Injectable()
export class DirectoryService {
  constructor(private readonly ds: DataSource) {}

  async createDistrict(input: { code: string; name: string }): Promise<District> {
    return this.ds
      .getRepository(District)
      .save({ code: input.code.trim(), name: input.name.normalize('NFC').trim() });
  }

  async createSchool(
    input: { districtId: string; code: string; name: string; level?: string | null } & SchoolRulesInput,
  ): Promise<School> {
    validateRules(input);
    const { districtId, code, name, level, ...rules } = input;
    return this.ds.getRepository(School).save({
      districtId,
      code: code.trim(),
      name: name.normalize('NFC').trim(),
      level: level ?? null,
      ...definedOnly(rules),
    });
  }

  async updateSchoolRules(schoolId: string, rules: SchoolRulesInput): Promise<School> {
    validateRules(rules);
    const repo = this.ds.getRepository(School);
    await repo.update({ id: schoolId }, definedOnly(rules));
    return repo.findOneByOrFail({ id: schoolId });
  }

  async createClass(input: { schoolId: string; name: string; grade?: number | null }): Promise<SchoolClass> {
    return this.ds.getRepository(SchoolClass).save({
      schoolId: input.schoolId,
      name: input.name.normalize('NFC').trim(),
      grade: input.grade ?? null,
    });
  }

  async createStudent(input: NewStudent): Promise<Student> {
    return this.ds.getRepository(Student).save({
      ...input,
      name: input.name.normalize('NFC').trim(),
      birthDate: input.birthDate ?? null,
      gender: input.gender ?? null,
      ethnicity: input.ethnicity ?? null,
      active: true,
    });
  }

  /** Many students in one statement (seeds, benchmarks). */
  async createStudents(inputs: NewStudent[]): Promise<Student[]> {
    if (inputs.length === 0) return [];
    const rows = inputs.map((s) => ({
      ...s,
      name: s.name.normalize('NFC').trim(),
      birthDate: s.birthDate ?? null,
      gender: s.gender ?? null,
      ethnicity: s.ethnicity ?? null,
      active: true,
    }));
    const out: Student[] = [];
    for (let i = 0; i < rows.length; i += 1000) {
      const r = await this.ds
        .createQueryBuilder()
        .insert()
        .into(Student)
        .values(rows.slice(i, i + 1000))
        .returning('*')
        .execute();
      out.push(...(r.generatedMaps as Student[]).map((g, j) => ({ ...rows[i + j]!, ...g }) as Student));
    }
    return out;
  }

  async addGuardian(studentId: string, input: NewGuardian): Promise<Guardian> {
    return this.ds.transaction(async (m) => {
      const g = await m.getRepository(Guardian).save({
        name: input.name.normalize('NFC').trim(),
        phone: input.phone ?? null,
        email: input.email ?? null,
        zaloId: input.zaloId ?? null,
        channels: input.channels ?? defaultChannels(input.phone),
      });
      await m
        .getRepository(StudentGuardian)
        .save({ studentId, guardianId: g.id, relation: input.relation ?? null });
      return g;
    });
  }

  /**
   * Enrol a card for a student (or unassigned when `studentId` is null): any form of CONTRACT §2
   * (`em4100:40:…`, `0004467393`, `068,10369`, hex). The student's previous active card becomes
   * `replaced`. Match keys are written so ingest resolves taps in one lookup.
   */
  async enrolCard(
    input: { schoolId: string; studentId: string | null; card: string | CardId; tech?: CardTech },
    manager?: EntityManager,
  ): Promise<Card> {
    const run = async (m: EntityManager): Promise<Card> => {
      let id: CardId;
      try {
        id = typeof input.card === 'string' ? parsePrintedCard(input.card, input.tech) : input.card;
      } catch (e) {
        throw new DomainError('bad_card', (e as Error).message);
      }
      if (input.studentId) await this.retireActiveCard(m, input.studentId, 'replaced');
      const card = await m.getRepository(Card).save({
        schoolId: input.schoolId,
        studentId: input.studentId,
        tech: id.tech,
        bits: id.bits,
        hex: id.hex,
        text: cardToText(id),
        printed: typeof input.card === 'string' ? input.card : null,
        status: 'active',
        retiredAt: null,
      });
      await m.getRepository(CardKey).insert(
        cardMatchKeys(id).map((key) => ({
          schoolId: input.schoolId,
          key,
          cardId: card.id,
          bits: Number(key.split(':')[1]),
        })),
      );
      return card;
    };
    return manager ? run(manager) : this.ds.transaction(run);
  }

  /** Mark a card lost/replaced: its keys go, so its taps become unknown cards. */
  async retireCard(cardId: string, status: 'lost' | 'replaced', manager?: EntityManager): Promise<void> {
    const run = async (m: EntityManager): Promise<void> => {
      await m.getRepository(CardKey).delete({ cardId });
      await m.getRepository(Card).update({ id: cardId }, { status, retiredAt: new Date() });
    };
    await (manager ? run(manager) : this.ds.transaction(run));
  }

  private async retireActiveCard(
    m: EntityManager,
    studentId: string,
    status: 'lost' | 'replaced',
  ): Promise<void> {
    const current = await m.getRepository(Card).findOneBy({ studentId, status: 'active' });
    if (!current) return;
    await m.getRepository(CardKey).delete({ cardId: current.id });
    await m.getRepository(Card).update({ id: current.id }, { status, retiredAt: new Date() });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateRules(r: SchoolRulesInput): void {
  if (r.timeZone !== undefined && !isValidTimeZone(r.timeZone))
    throw new DomainError('bad_rules', `unknown time zone "${r.timeZone}"`);
  for (const k of [
    'onTimeUntil',
    'lateUntil',
    'absenceCutoff',
    'checkoutFrom',
    'checkoutUntil',
    'reportTime',
  ] as const) {
    const v = r[k];
    if (v === undefined) continue;
    try {
      parseClock(v);
    } catch {
      throw new DomainError('bad_rules', `${k}: "${v}" is not HH:MM`);
    }
    if (!/^\d{2}:\d{2}$/.test(v))
      throw new DomainError('bad_rules', `${k}: "${v}" must be zero-padded HH:MM`);
  }
  if (r.schoolDays?.some((d) => !Number.isInteger(d) || d < 1 || d > 7))
    throw new DomainError('bad_rules', 'schoolDays are ISO weekdays 1–7');
  if (r.holidays?.some((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d)))
    throw new DomainError('bad_rules', 'holidays are YYYY-MM-DD dates');
}
