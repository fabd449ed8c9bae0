/**
 * Each school's card keys in memory, for matching taps without a lookup per batch. A school's
 * keys are read whole the first time one of its taps arrives and read again whenever its
 * `roster_version` has moved: every change to cards, card keys, students or classes bumps that
 * version in the same transaction (triggers), so checking it costs one small query per batch and
 * a match is never older than the batch's own transaction could see.
 */
import { Injectable } from '@nestjs/common';
import type pg from 'pg';

export interface CardMatch {
  card_id: string;
  student_id: string | null;
  class_id: string | null;
  name: string | null;
  active: boolean | null;
}

/** The cards of one school by key; a key on two cards is ambiguous (an unknown card). */
export type SchoolCards = ReadonlyMap<string, CardMatch | 'ambiguous'>;

interface Entry {
  version: number;
  keys: Map<string, CardMatch | 'ambiguous'>;
}

/** Schools kept at most (least recently loaded go first); a province has a few hundred. */
const MAX_SCHOOLS = 2_000;

@Injectable()
export class CardDirectory {
  private readonly schools = new Map<string, Entry>();

  /** The card keys of these schools as of now (inside the caller's transaction). */
  async forSchools(c: pg.PoolClient, schoolIds: string[]): Promise<Map<string, SchoolCards>> {
    const out = new Map<string, SchoolCards>();
    if (schoolIds.length === 0) return out;
    const versions = await c.query<{ id: string; roster_version: number }>('SELECT id, roster_version FROM schools WHERE id = ANY($1::uuid[])', [schoolIds]);
    const stale: { id: string; version: number }[] = [];
    for (const v of versions.rows) {
      const hit = this.schools.get(v.id);
      if (hit && hit.version === v.roster_version) out.set(v.id, hit.keys);
      else stale.push({ id: v.id, version: v.roster_version });
    }
    if (stale.length) {
      // Read after the versions: what is read is at least as new as the version it is stored under.
      const r = await c.query<CardMatch & { school_id: string; key: string }>(
        `SELECT k.school_id, k.key, k.card_id, c.student_id, s.class_id, s.name, s.active
           FROM card_keys k
           JOIN cards c ON c.id = k.card_id
           LEFT JOIN students s ON s.id = c.student_id
          WHERE k.school_id = ANY($1::uuid[])`,
        [stale.map((s) => s.id)],
      );
      const loaded = new Map(stale.map((s) => [s.id, new Map<string, CardMatch | 'ambiguous'>()]));
      const cards = new Map<string, CardMatch>(); // one object per card, shared by its keys
      for (const row of r.rows) {
        const keys = loaded.get(row.school_id)!;
        let card = cards.get(row.card_id);
        if (!card) {
          card = { card_id: row.card_id, student_id: row.student_id, class_id: row.class_id, name: row.name, active: row.active };
          cards.set(row.card_id, card);
        }
        const before = keys.get(row.key);
        keys.set(row.key, before && before !== card ? 'ambiguous' : card);
      }
      for (const s of stale) {
        const keys = loaded.get(s.id)!;
        this.schools.delete(s.id);
        this.schools.set(s.id, { version: s.version, keys });
        out.set(s.id, keys);
      }
      while (this.schools.size > MAX_SCHOOLS) this.schools.delete(this.schools.keys().next().value!);
    }
    return out;
  }

  /**
   * The card a read belongs to: the longest of its keys (`cardLookupKeys`, longest first) that
   * names exactly one card; a key on two cards (two cards sharing these low bits) is unknown.
   */
  static match(cards: SchoolCards | undefined, lookupKeys: readonly string[]): CardMatch | null {
    if (!cards) return null;
    for (const k of lookupKeys) {
      const hit = cards.get(k);
      if (hit === 'ambiguous') return null;
      if (hit) return hit;
    }
    return null;
  }
}
