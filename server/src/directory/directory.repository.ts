/**
 * Set-based writes of the directory for many rows at once (seeds, benchmarks, drills): one
 * statement per table, rows in the order given (`WITH ORDINALITY … ORDER BY n`, so `RETURNING`
 * lines up with the input). The rules (NFC names, channel defaults, card keys) are applied by
 * `DirectoryService` before the rows get here.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CardTech } from '@rfid/protocol';

export interface StudentRow {
  schoolId: string;
  classId: string;
  studentCode: string;
  name: string;
  birthDate: string | null;
  gender: string | null;
  ethnicity: string | null;
}

export interface CardRow {
  schoolId: string;
  studentId: string | null;
  tech: CardTech;
  bits: number;
  hex: string;
  text: string;
  printed: string | null;
}

export interface CardKeyRow {
  schoolId: string;
  key: string;
  /** Index of the card in the `insertCards` rows. */
  card: number;
  bits: number;
}

export interface GuardianRow {
  studentId: string;
  name: string;
  phone: string | null;
  email: string | null;
  zaloId: string | null;
  channels: string[];
  relation: string | null;
}

const pgArray = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

@Injectable()
export class DirectoryRepository {
  async insertStudents(m: EntityManager, rows: StudentRow[]): Promise<string[]> {
    const out = await m.query<{ id: string }[]>(
      `INSERT INTO students (school_id, class_id, student_code, name, birth_date, gender, ethnicity, active)
       SELECT sid, cid, code, name, birth::date, gender, eth, TRUE
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS t(sid, cid, code, name, birth, gender, eth, n)
        ORDER BY n RETURNING id`,
      [
        rows.map((r) => r.schoolId),
        rows.map((r) => r.classId),
        rows.map((r) => r.studentCode),
        rows.map((r) => r.name),
        rows.map((r) => r.birthDate),
        rows.map((r) => r.gender),
        rows.map((r) => r.ethnicity),
      ],
    );
    return out.map((r) => r.id);
  }

  /** Retires the active cards of these students (their keys go first). */
  async retireActiveCards(
    m: EntityManager,
    studentIds: string[],
    status: 'lost' | 'replaced',
  ): Promise<void> {
    await m.query(
      `DELETE FROM card_keys WHERE card_id IN (SELECT id FROM cards WHERE student_id = ANY($1::uuid[]) AND status = 'active')`,
      [studentIds],
    );
    await m.query(
      `UPDATE cards SET status = $2, retired_at = now() WHERE student_id = ANY($1::uuid[]) AND status = 'active'`,
      [studentIds, status],
    );
  }

  /** Active cards and their match keys; returns the card ids in row order. */
  async insertCards(m: EntityManager, cards: CardRow[], keys: CardKeyRow[]): Promise<string[]> {
    const ids = (
      await m.query<{ id: string }[]>(
        `INSERT INTO cards (school_id, student_id, tech, bits, hex, text, printed, status)
         SELECT sch, sid, tech, bits, hex, txt, printed, 'active'
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
                WITH ORDINALITY AS t(sch, sid, tech, bits, hex, txt, printed, n)
          ORDER BY n RETURNING id`,
        [
          cards.map((c) => c.schoolId),
          cards.map((c) => c.studentId),
          cards.map((c) => c.tech),
          cards.map((c) => c.bits),
          cards.map((c) => c.hex),
          cards.map((c) => c.text),
          cards.map((c) => c.printed),
        ],
      )
    ).map((r) => r.id);
    if (keys.length)
      await m.query(
        `INSERT INTO card_keys (school_id, key, card_id, bits)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[])`,
        [
          keys.map((k) => k.schoolId),
          keys.map((k) => k.key),
          keys.map((k) => ids[k.card]),
          keys.map((k) => k.bits),
        ],
      );
    return ids;
  }

  /** One guardian per row, linked to the row's student; returns the guardian ids in row order. */
  async insertGuardians(m: EntityManager, rows: GuardianRow[]): Promise<string[]> {
    const ids = (
      await m.query<{ id: string }[]>(
        `INSERT INTO guardians (name, phone, email, zalo_id, channels)
         SELECT name, phone, email, zalo, ch::text[]
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(name, phone, email, zalo, ch, n)
          ORDER BY n RETURNING id`,
        [
          rows.map((r) => r.name),
          rows.map((r) => r.phone),
          rows.map((r) => r.email),
          rows.map((r) => r.zaloId),
          rows.map((r) => pgArray(r.channels)),
        ],
      )
    ).map((r) => r.id);
    await m.query(
      `INSERT INTO student_guardians (student_id, guardian_id, relation) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
      [rows.map((r) => r.studentId), ids, rows.map((r) => r.relation)],
    );
    return ids;
  }
}
