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
      const links = students.flatMap((st, i) => guardiansOf(i).map((g) => ({ studentId: st.id, g })));
      const guardians = await directory.addGuardians(
        links.map(({ studentId, g }) => ({
          studentId,
          guardian: { name: 'Phụ huynh', phone: g.phone, channels: g.channels as never, relation: 'mẹ' },
        })),
      );
      links.forEach(({ studentId, g }, k) => {
        // One message per guardian and event (the worker picks the channel); an empty channel
        // list with a phone is still SMS, none without a phone nothing at all.
        const effective = g.channels.length ? g.channels : g.phone ? ['sms'] : [];
        if (channelCount(g) !== effective.length) throw new Error('guardian channel bookkeeping is off');
        const list = outboxTargets.get(studentId) ?? [];
        list.push(guardians[k]!);
        outboxTargets.set(studentId, list);
      });
      schools.push({ id: school.id, students: students.map((r, i) => ({ id: r.id, card: cards[i]! })) });
    }
  } finally {
    await close();
  }
  return { schools, outboxTargets };
}
