/**
 * A card's life: assign (any printed form, or "tap to enrol" from a recent unknown tap), mark
 * lost, replace. Card keys change through DirectoryService in the same transaction as the audit
 * row, so a retired card stops matching at once: its later taps are stored as unknown
 * (student_id null) and show up flagged in the school's unknown-cards list.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  cardLookupKeys,
  parseCardText,
  parsePrintedCard,
  sameCard,
  type CardId,
  type Clock,
} from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { CLOCK } from '../config/config.js';
import { DirectoryService } from '../directory/directory.service.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { printedCardText } from '../imports/student-row.js';

export interface CardView {
  id: string;
  studentId: string | null;
  schoolId: string;
  text: string;
  printed: string | null;
  status: string;
  createdAt: string;
  retiredAt: string | null;
}

export interface UnknownCard {
  card: string;
  taps: number;
  lastTapId: string;
  lastAt: string;
  terminal: string;
  gatewayId: string;
  /** Set when the card is a retired (lost/replaced) card: a lost card in use is worth a look. */
  retired: { cardId: string; status: string; studentId: string | null; studentName: string | null } | null;
}

const CARD_COLUMNS = `c.id, c.student_id AS "studentId", c.school_id AS "schoolId", c.text, c.printed, c.status, c.created_at AS "createdAt", c.retired_at AS "retiredAt"`;

function managerClient(m: EntityManager): SqlClient {
  return { query: (sql: string, params?: unknown[]) => m.query(sql, params) } as unknown as SqlClient;
}

@Injectable()
export class CardsService {
  constructor(
    private readonly ds: DataSource,
    private readonly db: Database,
    private readonly directory: DirectoryService,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async listForStudent(studentId: string): Promise<CardView[]> {
    return this.db.query(
      `SELECT ${CARD_COLUMNS} FROM cards c WHERE c.student_id = $1 ORDER BY c.created_at DESC`,
      [studentId],
    );
  }

  /** Assign a card to a student (its previous active card becomes `replaced`). */
  async assign(
    caller: Caller,
    studentId: string,
    input: { card?: string; fromTapId?: string },
  ): Promise<CardView> {
    const [student] = await this.db.query<{ school_id: string; name: string }>(
      'SELECT school_id, name FROM students WHERE id = $1',
      [studentId],
    );
    if (!student) throw new DomainError('not_found', `student ${studentId} not found`);
    let id: CardId;
    let printed: string | null = null;
    if (input.fromTapId) {
      const [tap] = await this.db.query<{ card: string }>(
        'SELECT card FROM taps WHERE id = $1 AND school_id = $2',
        [input.fromTapId, student.school_id],
      );
      if (!tap)
        throw new DomainError('not_found', `tap ${input.fromTapId} not found in the student's school`);
      id = parseCardText(tap.card);
    } else {
      try {
        id = parsePrintedCard(printedCardText(input.card!.trim()));
      } catch (e) {
        throw new DomainError('bad_card', (e as Error).message);
      }
      printed = input.card!.trim();
    }
    return this.ds.transaction(async (m) => {
      const c = managerClient(m);
      const owners = (await m.query(
        `SELECT cd.id, cd.student_id, st.name, st.student_code FROM card_keys ck JOIN cards cd ON cd.id = ck.card_id LEFT JOIN students st ON st.id = cd.student_id
          WHERE ck.school_id = $1 AND ck.key = ANY($2::text[]) AND cd.status = 'active'`,
        [student.school_id, cardLookupKeys(id)],
      )) as { id: string; student_id: string | null; name: string | null; student_code: string | null }[];
      const mine = owners.find((o) => o.student_id === studentId);
      if (mine) throw new DomainError('conflict', 'this card is already the student’s active card');
      const other = owners.find((o) => o.student_id !== null);
      if (other)
        throw new DomainError(
          'conflict',
          `this card is the active card of ${other.name} (${other.student_code}); mark it lost or replace it there first`,
        );
      // An unassigned card with that number gives way.
      for (const o of owners) await this.directory.retireCard(o.id, 'replaced', m);
      const [previous] = (await m.query(`SELECT id FROM cards WHERE student_id = $1 AND status = 'active'`, [
        studentId,
      ])) as { id: string }[];
      const card = await this.directory.enrolCard(
        { schoolId: student.school_id, studentId, card: id, printed },
        m,
      );
      await this.audit.record(
        caller,
        {
          action: input.fromTapId ? 'card.enrol-from-tap' : previous ? 'card.replace' : 'card.assign',
          entity: 'card',
          entityId: card.id,
          schoolId: student.school_id,
          details: {
            studentId,
            card: card.text,
            printed,
            fromTapId: input.fromTapId ?? null,
            replacedCardId: previous?.id ?? null,
          },
        },
        c,
      );
      const [view] = (await m.query(`SELECT ${CARD_COLUMNS} FROM cards c WHERE c.id = $1`, [
        card.id,
      ])) as CardView[];
      return view!;
    });
  }

  /** Mark a card lost: its keys go at once, so its taps no longer count for the student. */
  async markLost(caller: Caller, cardId: string): Promise<CardView> {
    const card = await this.visibleCard(caller, cardId);
    if (card.status !== 'active') throw new DomainError('conflict', `the card is already ${card.status}`);
    return this.ds.transaction(async (m) => {
      await this.directory.retireCard(cardId, 'lost', m);
      await this.audit.record(
        caller,
        {
          action: 'card.lost',
          entity: 'card',
          entityId: cardId,
          schoolId: card.schoolId,
          details: { studentId: card.studentId, card: card.text },
        },
        managerClient(m),
      );
      const [view] = (await m.query(`SELECT ${CARD_COLUMNS} FROM cards c WHERE c.id = $1`, [
        cardId,
      ])) as CardView[];
      return view!;
    });
  }

  /** The card when the caller may manage it (its student's or its school's scope); 404 otherwise. */
  async visibleCard(caller: Caller, cardId: string): Promise<CardView> {
    const [card] = await this.db.query<CardView & Record<string, unknown>>(
      `SELECT ${CARD_COLUMNS} FROM cards c WHERE c.id = $1`,
      [cardId],
    );
    if (!card) throw new DomainError('not_found', `card ${cardId} not found`);
    const access = card.studentId
      ? await this.scope.access(caller, 'student', card.studentId)
      : await this.scope.access(caller, 'school', card.schoolId);
    if (access !== 'full') throw new DomainError('not_found', `card ${cardId} not found`);
    return card;
  }

  /** Cards read at the school's terminals that match no active card, newest first (for "tap to enrol"). */
  async unknownCards(schoolId: string, since: Date | null): Promise<UnknownCard[]> {
    const from = since ?? new Date(this.clock.now().getTime() - 24 * 3600_000);
    const rows = await this.db.query<{
      card: string;
      taps: string;
      last_tap_id: string;
      last_at: Date;
      terminal: string;
      gateway_id: string;
    }>(
      `SELECT DISTINCT ON (t.card) t.card, count(*) OVER (PARTITION BY t.card) AS taps, t.id AS last_tap_id, t.at AS last_at, t.terminal, t.gateway_id
         FROM taps t WHERE t.school_id = $1 AND t.card_id IS NULL AND t.at >= $2
        ORDER BY t.card, t.at DESC LIMIT 500`,
      [schoolId, from],
    );
    if (!rows.length) return [];
    const parsed = rows.map((r) => ({ r, id: safeCard(r.card) }));
    // Cards enrolled since their taps were stored are no longer unknown.
    const keys = parsed.flatMap((p) => (p.id ? cardLookupKeys(p.id) : []));
    const active = new Set(
      (
        await this.db.query<{ key: string }>(
          'SELECT key FROM card_keys WHERE school_id = $1 AND key = ANY($2::text[])',
          [schoolId, keys],
        )
      ).map((k) => k.key),
    );
    const retired = await this.db.query<{
      id: string;
      text: string;
      status: string;
      student_id: string | null;
      name: string | null;
    }>(
      `SELECT c.id, c.text, c.status, c.student_id, st.name FROM cards c LEFT JOIN students st ON st.id = c.student_id
        WHERE c.school_id = $1 AND c.status <> 'active' ORDER BY c.retired_at DESC NULLS LAST LIMIT 5000`,
      [schoolId],
    );
    const retiredIds = retired.map((c) => ({ c, id: safeCard(c.text) }));
    return parsed
      .filter((p) => !p.id || !cardLookupKeys(p.id).some((k) => active.has(k)))
      .map(({ r, id }) => {
        const old = id ? retiredIds.find((x) => x.id && sameCard(x.id, id)) : undefined;
        return {
          card: r.card,
          taps: Number(r.taps),
          lastTapId: r.last_tap_id,
          lastAt: r.last_at.toISOString(),
          terminal: r.terminal,
          gatewayId: r.gateway_id,
          retired: old
            ? { cardId: old.c.id, status: old.c.status, studentId: old.c.student_id, studentName: old.c.name }
            : null,
        };
      })
      .sort((a, b) => b.lastAt.localeCompare(a.lastAt));
  }
}

function safeCard(text: string): CardId | null {
  try {
    return parseCardText(text);
  } catch {
    return null;
  }
}
