/** The `cards` table and its match keys (`card_keys`), for many cards at once (seeds, benchmarks, drills). */
import { Injectable } from '@nestjs/common';
import type { CardTech } from '@rfid/protocol';
import type { SqlClient } from '../db/database.service.js';

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

@Injectable()
export class CardsRepository {
  /** Retires the active cards of these students (their keys go first). */
  async retireActiveCards(c: SqlClient, studentIds: string[], status: 'lost' | 'replaced'): Promise<void> {
    await c.query(
      `DELETE FROM card_keys WHERE card_id IN (SELECT id FROM cards WHERE student_id = ANY($1::uuid[]) AND status = 'active')`,
      [studentIds],
    );
    await c.query(
      `UPDATE cards SET status = $2, retired_at = now() WHERE student_id = ANY($1::uuid[]) AND status = 'active'`,
      [studentIds, status],
    );
  }

  /** Active cards and their match keys; returns the card ids in row order. */
  async insertCards(c: SqlClient, cards: CardRow[], keys: CardKeyRow[]): Promise<string[]> {
    const ids = (
      await c.query<{ id: string }>(
        `INSERT INTO cards (school_id, student_id, tech, bits, hex, text, printed, status)
         SELECT sch, sid, tech, bits, hex, txt, printed, 'active'
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[])
                WITH ORDINALITY AS t(sch, sid, tech, bits, hex, txt, printed, n)
          ORDER BY n RETURNING id`,
        [
          cards.map((x) => x.schoolId),
          cards.map((x) => x.studentId),
          cards.map((x) => x.tech),
          cards.map((x) => x.bits),
          cards.map((x) => x.hex),
          cards.map((x) => x.text),
          cards.map((x) => x.printed),
        ],
      )
    ).rows.map((r) => r.id);
    if (keys.length)
      await c.query(
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
}
