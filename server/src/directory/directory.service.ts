/**
 * Programmatic creation of the school directory: districts, schools, classes, students,
 * guardians and cards. Used by the demo seed, the benchmarks, the drill rig and tests. Its rules
 * (NFC names, channel defaults, card keys) are the functions of `directory/rules.ts` that the
 * REST layer (`PeopleService`) and the import use too; many rows at once go through the batched
 * methods (`createStudents`, `enrolCards`, `addGuardians`) and the tables' repositories (students, guardians, cards).
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  isValidTimeZone,
  parseClock,
  systemClock,
  type CardId,
  type CardTech,
  type Clock,
} from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
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
import { Database } from '../db/database.service.js';
import { StudentsRepository } from '../people/students.repository.js';
import { GuardiansRepository } from '../people/guardians.repository.js';
import { CardsRepository } from '../cards/cards.repository.js';
import { cardRows, cleanName, guardianChannels } from './rules.js';

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
  /** The batched writes go through the tables' own repositories, on the same pool. */
  private readonly db: Database;
  private readonly students: StudentsRepository;
  private readonly guardians = new GuardiansRepository();
  private readonly cards = new CardsRepository();

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.db = new Database(ds);
    this.students = new StudentsRepository(this.db);
  }

  async createDistrict(input: { code: string; name: string }): Promise<District> {
    return this.ds.getRepository(District).save({ code: input.code.trim(), name: cleanName(input.name) });
  }

  async createSchool(
    input: { districtId: string; code: string; name: string; level?: string | null } & SchoolRulesInput,
  ): Promise<School> {
    validateRules(input);
    const { districtId, code, name, level, ...rules } = input;
    return this.ds.getRepository(School).save({
      districtId,
      code: code.trim(),
      name: cleanName(name),
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
      name: cleanName(input.name),
      grade: input.grade ?? null,
    });
  }

  async createStudent(input: NewStudent): Promise<Student> {
    return this.ds.getRepository(Student).save({
      ...input,
      name: cleanName(input.name),
      birthDate: input.birthDate ?? null,
      gender: input.gender ?? null,
      ethnicity: input.ethnicity ?? null,
      active: true,
    });
  }

  /** Many students, one statement per 5 000 (seeds, benchmarks, drills); in input order. */
  async createStudents(inputs: NewStudent[]): Promise<Student[]> {
    if (inputs.length === 0) return [];
    const rows = inputs.map((s) => ({
      ...s,
      name: cleanName(s.name),
      birthDate: s.birthDate ?? null,
      gender: s.gender ?? null,
      ethnicity: s.ethnicity ?? null,
    }));
    return this.db.transaction(async (c) => {
      const out: Student[] = [];
      for (let i = 0; i < rows.length; i += 5000) {
        const part = rows.slice(i, i + 5000);
        const ids = await this.students.insertMany(c, part);
        part.forEach((r, j) => out.push({ ...r, id: ids[j]!, active: true } as Student));
      }
      return out;
    });
  }

  /**
   * Many cards at once (seeds, benchmarks, drills), each as `enrolCard` would: parsed, its match
   * keys written, the student's previous active card `replaced`. Returns the card ids in order.
   */
  async enrolCards(
    inputs: { schoolId: string; studentId: string | null; card: string | CardId; tech?: CardTech }[],
  ): Promise<string[]> {
    if (inputs.length === 0) return [];
    const { cards, keys } = cardRows(inputs);
    return this.db.transaction(async (c) => {
      const students = inputs.flatMap((i) => (i.studentId ? [i.studentId] : []));
      if (students.length) await this.cards.retireActiveCards(c, students, 'replaced');
      const ids: string[] = [];
      for (let i = 0; i < cards.length; i += 5000) {
        const part = keys
          .filter((k) => k.card >= i && k.card < i + 5000)
          .map((k) => ({ ...k, card: k.card - i }));
        ids.push(...(await this.cards.insertCards(c, cards.slice(i, i + 5000), part)));
      }
      return ids;
    });
  }

  /** Many guardians at once, one per (student, guardian) row; returns the guardian ids in order. */
  async addGuardians(inputs: { studentId: string; guardian: NewGuardian }[]): Promise<string[]> {
    if (inputs.length === 0) return [];
    const rows = inputs.map(({ studentId, guardian: g }) => ({
      studentId,
      name: cleanName(g.name),
      phone: g.phone ?? null,
      email: g.email ?? null,
      zaloId: g.zaloId ?? null,
      channels: guardianChannels(g),
      relation: g.relation ?? null,
    }));
    return this.db.transaction(async (c) => {
      const ids: string[] = [];
      for (let i = 0; i < rows.length; i += 5000)
        ids.push(...(await this.guardians.insertMany(c, rows.slice(i, i + 5000))));
      return ids;
    });
  }

  async addGuardian(studentId: string, input: NewGuardian): Promise<Guardian> {
    return this.ds.transaction(async (m) => {
      const g = await m.getRepository(Guardian).save({
        name: cleanName(input.name),
        phone: input.phone ?? null,
        email: input.email ?? null,
        zaloId: input.zaloId ?? null,
        channels: guardianChannels(input) as NotificationChannel[],
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
    input: {
      schoolId: string;
      studentId: string | null;
      card: string | CardId;
      tech?: CardTech;
      printed?: string | null;
    },
    manager?: EntityManager,
  ): Promise<Card> {
    const run = async (m: EntityManager): Promise<Card> => {
      const {
        cards: [row],
        keys,
      } = cardRows([input]);
      if (input.studentId) await this.retireActiveCard(m, input.studentId, 'replaced');
      const card = await m.getRepository(Card).save({ ...row!, status: 'active', retiredAt: null });
      await m
        .getRepository(CardKey)
        .insert(keys.map(({ schoolId, key, bits }) => ({ schoolId, key, cardId: card.id, bits })));
      return card;
    };
    return manager ? run(manager) : this.ds.transaction(run);
  }

  /** Mark a card lost/replaced: its keys go, so its taps become unknown cards. */
  async retireCard(cardId: string, status: 'lost' | 'replaced', manager?: EntityManager): Promise<void> {
    const run = async (m: EntityManager): Promise<void> => {
      await m.getRepository(CardKey).delete({ cardId });
      await m.getRepository(Card).update({ id: cardId }, { status, retiredAt: this.clock.now() });
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
    await m.getRepository(Card).update({ id: current.id }, { status, retiredAt: this.clock.now() });
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
