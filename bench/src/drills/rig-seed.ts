/**
 * The drill's directory: schools, class 6A, students with 40-bit EM cards and their keys,
 * guardians with notification channels, written through the server's `DirectoryService` (the
 * same methods, rules and card keys as the tests and the demo), in batches so a drill of 200 000
 * taps seeds in seconds. Also what the outbox must hold: per student, one row per guardian.
 */
import { makeCardId, type CardId } from '@rfid/protocol';
import { serverLib } from './child.js';

export interface SeededSchool {
  id: string;
  students: { id: string; card: CardId }[];
}

export interface DrillSeed {
  schools: SeededSchool[];
  /** student id → the outbox rows a check-in or check-out of theirs must make: one per guardian id. */
  outboxTargets: Map<string, string[]>;
  /**
   * guardian id → the stand-in that must receive their message (the first channel of their list
   * that reaches them, all consented), or null: nothing reaches them (a push guardian whose browser
   * never subscribed, a guardian with neither phone nor e-mail) and nothing may arrive.
   */
  expectedChannel: Map<string, DrillChannel | null>;
}

export type DrillChannel = 'zalo' | 'sms' | 'email' | 'push';

/** Every channel a drill guardian consented to (the school's collected forms, through the API). */
export const DRILL_CONSENT: DrillChannel[] = ['zalo', 'sms', 'email', 'push'];

const SCHOOL_CARD_BASE = 0x0600000000;

interface SeedGuardian {
  channels: DrillChannel[];
  phone: string | null;
  email: string | null;
  /** Where their messages must arrive (see `expectedChannel`). */
  expect: DrillChannel | null;
}

/** Deterministic spread of a student over guardians and channels (what the outbox must follow). */
function guardiansOf(s: number, i: number): SeedGuardian[] {
  const first = (
    [
      { channels: ['sms'], phone: '0901000000', email: null, expect: 'sms' },
      // Zalo first, SMS after it (the fallback when Zalo fails for them).
      { channels: ['zalo', 'sms'], phone: '0902000000', email: null, expect: 'zalo' },
      { channels: [], phone: '0903000000', email: null, expect: 'sms' }, // no channel chosen: SMS to the phone
      { channels: ['push'], phone: null, email: null, expect: null }, // no browser subscribed
    ] satisfies SeedGuardian[]
  )[i % 4]!;
  const out: SeedGuardian[] = [first];
  if (i % 5 === 0)
    out.push({ channels: ['email'], phone: null, email: `phuhuynh.${s}.${i}@example.vn`, expect: 'email' });
  if (i % 11 === 0) out.push({ channels: [], phone: null, email: null, expect: null }); // nothing to send to

  return out;
}

/** Seeds `schools` schools with enough students for `taps` taps of the rush plan. */
export async function seedDrillSchools(
  databaseUrl: string,
  o: { taps: number; schools: number },
): Promise<DrillSeed> {
  const perSchool = Math.ceil((o.taps / 1.12 / o.schools) * 1.03) + 1;
  const { openDirectory } = await serverLib();
  const { directory, close } = await openDirectory(databaseUrl);
  const schools: SeededSchool[] = [];
  const outboxTargets = new Map<string, string[]>();
  const expectedChannel = new Map<string, DrillChannel | null>();
  try {
    const district = await directory.createDistrict({ code: 'DRILL', name: 'Phòng GD&ĐT Diễn tập' });
    for (let s = 0; s < o.schools; s++) {
      const school = await directory.createSchool({
        districtId: district.id,
        code: `DRILL${s}`,
        name: `THCS Diễn tập ${s}`,
      });
      const klass = await directory.createClass({ schoolId: school.id, name: '6A', grade: 6 });
      const students = await directory.createStudents(
        Array.from({ length: perSchool }, (_, i) => ({
          schoolId: school.id,
          classId: klass.id,
          studentCode: `DRILL${s}-${i}`,
          name: `Y Liên ${s}-${i}`,
        })),
      );
      const cards = students.map((_, i) =>
        makeCardId('em4100', 40, (SCHOOL_CARD_BASE + s * 0x01000000 + i).toString(16)),
      );
      await directory.enrolCards(
        students.map((st, i) => ({ schoolId: school.id, studentId: st.id, card: cards[i]! })),
      );
      const links = students.flatMap((st, i) => guardiansOf(s, i).map((g) => ({ studentId: st.id, g })));
      const guardians = await directory.addGuardians(
        links.map(({ studentId, g }) => ({
          studentId,
          guardian: {
            name: 'Phụ huynh',
            phone: g.phone,
            email: g.email,
            channels: g.channels,
            relation: 'mẹ',
          },
        })),
      );
      links.forEach(({ studentId, g }, k) => {
        // One outbox row per guardian and event (the worker picks the channel).
        expectedChannel.set(guardians[k]!, g.expect);
        const list = outboxTargets.get(studentId) ?? [];
        list.push(guardians[k]!);
        outboxTargets.set(studentId, list);
      });
      schools.push({ id: school.id, students: students.map((r, i) => ({ id: r.id, card: cards[i]! })) });
    }
  } finally {
    await close();
  }
  return { schools, outboxTargets, expectedChannel };
}
