/**
 * Each school's card keys in memory, for matching taps without a lookup per batch. Every change to
 * cards, card keys, students or classes bumps the school's `roster_version` in the same
 * transaction (triggers), so a batch reads the versions of its schools (one small query, inside
 * its own transaction) and uses the keys in memory only when they are at least that new.
 *
 * A school whose keys are missing or older is matched the way it was before the cache existed:
 * one indexed lookup of just the batch's keys, inside the transaction. Its whole key set is read
 * again in the background, once at a time per school, so a large school's reload (tens of
 * thousands of keys after an import) never holds up the taps at the gate.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { Database } from '../db/database.service.js';
import { LOGGER, type Logger } from '../logger.js';
import { MetricsService } from '../metrics/metrics.service.js';

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

type KeyRow = CardMatch & { school_id: string; key: string };

/** Schools kept at most (least recently loaded go first); a province has a few hundred. */
const MAX_SCHOOLS = 2_000;

/** Card keys with their card and student; a card's keys carry its school. */
const KEYS_SQL = `SELECT k.school_id, k.key, k.card_id, c.student_id, s.class_id, s.name, s.active
  FROM cards c
  JOIN card_keys k ON k.card_id = c.id AND k.school_id = c.school_id
  LEFT JOIN students s ON s.id = c.student_id`;

@Injectable()
export class CardDirectory implements OnModuleDestroy {
  private readonly schools = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<void>>();
  private queue: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'card-directory' });
  }

  /**
   * The cards the batch's reads can match, per school, as of the caller's transaction: `reads`
   * holds each tap's school and lookup keys (`cardLookupKeys`, longest first).
   */
  async forBatch(
    c: pg.PoolClient,
    reads: { schoolId: string; keys: readonly string[] }[],
  ): Promise<Map<string, SchoolCards>> {
    const out = new Map<string, SchoolCards>();
    const schoolIds = [...new Set(reads.map((r) => r.schoolId))];
    if (schoolIds.length === 0) return out;
    const versions = await c.query<{ id: string; roster_version: number }>(
      'SELECT id, roster_version FROM schools WHERE id = ANY($1::uuid[])',
      [schoolIds],
    );
    const stale = new Set<string>();
    for (const v of versions.rows) {
      const hit = this.schools.get(v.id);
      if (hit && hit.version >= v.roster_version) {
        out.set(v.id, hit.keys);
        this.metrics.cardMatches.inc({ path: 'memory' });
      } else {
        this.metrics.cardMatches.inc({ path: 'lookup' });
        stale.add(v.id);
        this.loadSoon(v.id, v.roster_version);
      }
    }
    if (stale.size) {
      const pairs = new Map<string, [string, string]>();
      for (const r of reads)
        if (stale.has(r.schoolId)) for (const k of r.keys) pairs.set(`${r.schoolId}|${k}`, [r.schoolId, k]);
      const list = [...pairs.values()];
      const rows = await c.query<KeyRow>(
        `${KEYS_SQL} WHERE (k.school_id, k.key) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
        [list.map((p) => p[0]), list.map((p) => p[1])],
      );
      for (const [schoolId, keys] of groupKeys(rows.rows, stale)) out.set(schoolId, keys);
    }
    return out;
  }

  /**
   * Queue a read of a school's whole key set. Reads run one after another: at a cold start every
   * school's first tap asks for one, and they must not take the pool's connections from ingest.
   */
  private loadSoon(schoolId: string, atLeast: number): void {
    if (this.loading.has(schoolId)) return;
    const load = this.queue
      .then(() => this.load(schoolId, atLeast))
      .catch((e: unknown) =>
        this.log.warn({ err: e, schoolId }, 'card keys not read; matching by lookup until the next try'),
      )
      .finally(() => this.loading.delete(schoolId));
    this.queue = load;
    this.loading.set(schoolId, load);
  }

  private async load(schoolId: string, atLeast: number): Promise<void> {
    const client = await this.db.pool.connect();
    try {
      // The version first, the keys after: what is read is at least as new as its version.
      const v = await client.query<{ roster_version: number }>(
        'SELECT roster_version FROM schools WHERE id = $1',
        [schoolId],
      );
      const version = v.rows[0]?.roster_version;
      if (version === undefined || version < atLeast) return;
      const current = this.schools.get(schoolId);
      if (current && current.version >= version) return;
      // By the school's cards (cards_school_idx), not a scan of every card.
      const rows = await client.query<KeyRow>(`${KEYS_SQL} WHERE c.school_id = $1`, [schoolId]);
      const keys = groupKeys(rows.rows, new Set([schoolId])).get(schoolId)!;
      this.metrics.cardKeyLoads.inc();
      this.schools.delete(schoolId);
      this.schools.set(schoolId, { version, keys });
      while (this.schools.size > MAX_SCHOOLS) this.schools.delete(this.schools.keys().next().value!);
    } finally {
      client.release();
    }
  }

  /** Resolves when no school's keys are being read. */
  async idle(): Promise<void> {
    while (this.loading.size) await Promise.all([...this.loading.values()]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.idle();
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

/** Key rows → per school, key → card (one object per card, shared by its keys); every school in `schoolIds` gets a map. */
function groupKeys(
  rows: KeyRow[],
  schoolIds: Set<string>,
): Map<string, Map<string, CardMatch | 'ambiguous'>> {
  const out = new Map([...schoolIds].map((id) => [id, new Map<string, CardMatch | 'ambiguous'>()]));
  const cards = new Map<string, CardMatch>();
  for (const row of rows) {
    const keys = out.get(row.school_id);
    if (!keys) continue;
    let card = cards.get(row.card_id);
    if (!card) {
      card = {
        card_id: row.card_id,
        student_id: row.student_id,
        class_id: row.class_id,
        name: row.name,
        active: row.active,
      };
      cards.set(row.card_id, card);
    }
    const before = keys.get(row.key);
    keys.set(row.key, before && before !== card ? 'ambiguous' : card);
  }
  return out;
}
