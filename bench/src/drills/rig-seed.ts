/** Seeds a drill's database: schools, students with cards and card keys, guardians with channels (what the outbox must follow). */
import pg from 'pg';
import { cardMatchKeys, makeCardId, type CardId } from '@rfid/protocol';
import type { RigOptions } from './rig.js';

export interface SeededSchool {
  id: string;
  students: { id: string; card: CardId }[];
}

export interface SeededDrill {
  schools: SeededSchool[];
  /** student id → the outbox rows a check-in or check-out of theirs must make: `${guardianId}|${channel}`. */
  outboxTargets: Map<string, string[]>;
}

const SCHOOL_CARD_BASE = 0x0600000000;

/** Deterministic spread of a student over guardians and channels (what the outbox must follow). */
function guardiansOf(i: number): { channels: string[]; phone: string | null }[] {
  const first = [
    { channels: ['sms'], phone: '0901000000' },
    { channels: ['sms', 'zalo'], phone: '0902000000' },
    { channels: [], phone: '0903000000' }, // no channel chosen: SMS to the phone
    { channels: ['push'], phone: null },
  ][i % 4]!;
  const out = [first];
  if (i % 5 === 0) out.push({ channels: ['email'], phone: null });
  if (i % 11 === 0) out.push({ channels: [], phone: null }); // nothing to send to
  return out;
}

const channelCount = (g: { channels: string[]; phone: string | null }) =>
  g.channels.length > 0 ? g.channels.length : g.phone ? 1 : 0;

export async function seedDrill(databaseUrl: string, o: Pick<RigOptions, 'taps' | 'schools'>): Promise<SeededDrill> {
  const schools: SeededSchool[] = [];
  const outboxTargets = new Map<string, string[]>();
  const perSchool = Math.ceil((o.taps / 1.12 / o.schools) * 1.03) + 1;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    const {
      rows: [district],
    } = await c.query<{ id: string }>(
      `INSERT INTO districts (code, name) VALUES ('DRILL', 'Phòng GD&ĐT Diễn tập') RETURNING id`,
    );
    for (let s = 0; s < o.schools; s++) {
      const {
        rows: [school],
      } = await c.query<{ id: string }>(
        `INSERT INTO schools (district_id, code, name) VALUES ($1, $2, $3) RETURNING id`,
        [district!.id, `DRILL${s}`, `THCS Diễn tập ${s}`],
      );
      const {
        rows: [klass],
      } = await c.query<{ id: string }>(
        `INSERT INTO classes (school_id, name, grade) VALUES ($1, '6A', 6) RETURNING id`,
        [school!.id],
      );
      const names = Array.from({ length: perSchool }, (_, i) => `Y Liên ${s}-${i}`);
      const { rows: students } = await c.query<{ id: string }>(
        `INSERT INTO students (school_id, class_id, student_code, name)
         SELECT $1, $2, code, name FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(code, name, n) ORDER BY n RETURNING id`,
        [school!.id, klass!.id, names.map((_, i) => `DRILL${s}-${i}`), names],
      );
      const cards = students.map((_, i) =>
        makeCardId('em4100', 40, (SCHOOL_CARD_BASE + s * 0x01000000 + i).toString(16)),
      );
      const { rows: cardRows } = await c.query<{ id: string }>(
        `INSERT INTO cards (school_id, student_id, tech, bits, hex, text)
         SELECT $1, sid, 'em4100', 40, hex, 'em4100:40:' || hex FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS t(sid, hex, n) ORDER BY n RETURNING id`,
        [school!.id, students.map((r) => r.id), cards.map((k) => k.hex)],
      );
      const keys = cards.flatMap((k, i) =>
        cardMatchKeys(k).map((key) => ({ key, cardId: cardRows[i]!.id, bits: Number(key.split(':')[1]) })),
      );
      await c.query(
        `INSERT INTO card_keys (school_id, key, card_id, bits) SELECT $1, key, cid, bits FROM unnest($2::text[], $3::uuid[], $4::int[]) AS t(key, cid, bits)`,
        [school!.id, keys.map((k) => k.key), keys.map((k) => k.cardId), keys.map((k) => k.bits)],
      );
      // Guardians: one row per (student, guardian), inserted in order so RETURNING lines up.
      const gStudent: string[] = [];
      const gChannels: string[] = [];
      const gPhone: (string | null)[] = [];
      const gCount: number[] = [];
      students.forEach((st, i) => {
        for (const g of guardiansOf(i)) {
          gStudent.push(st.id);
          gChannels.push(`{${g.channels.join(',')}}`);
          gPhone.push(g.phone);
          gCount.push(channelCount(g));
        }
      });
      const { rows: guardians } = await c.query<{ id: string }>(
        `INSERT INTO guardians (name, phone, channels)
         SELECT 'Phụ huynh', phone, ch::text[] FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(phone, ch, n) ORDER BY n RETURNING id`,
        [gPhone, gChannels],
      );
      await c.query(
        `INSERT INTO student_guardians (student_id, guardian_id, relation) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
        [gStudent, guardians.map((g) => g.id), gStudent.map(() => 'mẹ')],
      );
      gStudent.forEach((sid, k) => {
        const list = outboxTargets.get(sid) ?? [];
        const channels = gChannels[k]!.slice(1, -1).split(',').filter(Boolean);
        const effective = channels.length ? channels : gPhone[k] ? ['sms'] : [];
        for (const ch of effective) list.push(`${guardians[k]!.id}|${ch}`);
        if (gCount[k] !== effective.length) throw new Error('guardian channel bookkeeping is off');
        outboxTargets.set(sid, list);
      });
      schools.push({
        id: school!.id,
        students: students.map((r, i) => ({ id: r.id, card: cards[i]! })),
      });
    }
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
  return { schools, outboxTargets };
}
