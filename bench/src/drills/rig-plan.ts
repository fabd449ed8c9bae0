/** The drill's rush plan and the ADMS terminals' roster fill: the parts of a drill rig's start that are not wiring. */
import pg from 'pg';
import { makeCardId } from '@rfid/protocol';
import {
  multiSchoolRush,
  type RushPlan,
  type RushStudent,
  type RushTap,
  type SimulatedAdmsTerminal,
} from '@rfid/firmware-sim';
import { waitFor } from './processes.js';
import type { RigOptions } from './rig.js';
import type { SeededSchool } from './rig-seed.js';

/**
 * The morning rush of every school (firmware-sim's seeded plan: arrivals, absentees, forgotten
 * cards, double taps) plus, from the same seed: 1 % of cards not enrolled, 3 % of students tapping
 * again at another gate in, 12 % leaving through the gate out. Cut to `taps` taps.
 */
export function drillRushPlan(
  schools: readonly SeededSchool[],
  o: Pick<RigOptions, 'schools' | 'gatesIn' | 'seed' | 'taps'>,
  terminals: number,
): RushPlan {
  const unknownEvery = 100;
  const specs = schools.map((school, s) => ({
    id: `s${s}`,
    terminals: o.gatesIn,
    students: school.students.map((st, i): RushStudent => ({
      card:
        i % unknownEvery === unknownEvery - 1
          ? makeCardId('em4100', 40, (0xff00000000 + s * 0x01000000 + i).toString(16))
          : st.card,
    })),
  }));
  const rush = multiSchoolRush({ seed: o.seed ?? 8, schools: specs, minutes: 20 });
  const extra: RushTap[] = [];
  const outBase = o.schools * o.gatesIn;
  for (const t of rush.taps) {
    if (t.kind !== 'tap') continue;
    const s = t.schoolIndex ?? 0;
    const h = (t.studentIndex * 2654435761 + s * 97) % 100;
    const local = t.terminalIndex - rush.schools[s]!.firstTerminal;
    if (h < 12)
      extra.push({
        ...t,
        atMs: t.atMs + 30_000 + (h % 7) * 5_000,
        terminalIndex: outBase + s,
        kind: 'tap',
      });
    else if (h < 15 && o.gatesIn > 1)
      extra.push({
        ...t,
        atMs: t.atMs + 8_000,
        terminalIndex: rush.schools[s]!.firstTerminal + ((local + 1) % o.gatesIn),
        kind: 'tap',
      });
  }
  const taps = [...rush.taps, ...extra]
    .sort((a, b) => a.atMs - b.atMs || a.terminalIndex - b.terminalIndex)
    .slice(0, o.taps);
  return { ...rush, taps, terminals };
}

/**
 * The roster (as any card change publishes it) fills the ADMS terminals' user lists. A gateway not
 * yet subscribed misses a publication, so it is announced again every 10 s until every terminal
 * holds its school's students.
 */
export async function fillAdmsRosters(
  databaseUrl: string,
  admsSchools: readonly SeededSchool[],
  terminals: readonly SimulatedAdmsTerminal[],
): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const announce = async () => {
    for (const school of admsSchools) await c.query(`SELECT pg_notify('roster_changed', $1)`, [school.id]);
  };
  const enrolled = admsSchools[0]!.students.length;
  let announced = 0;
  try {
    await waitFor(
      async () => {
        if (performance.now() - announced > 10_000) {
          await announce();
          announced = performance.now();
        }
        return terminals.every((t) => t.users.size >= enrolled);
      },
      'ADMS terminals filled with their school roster',
      // The gateway hands out 50 user commands per 1 s poll: a 11,500-student drill school
      // takes about 4 min to fill; allow three times that under load.
      Math.max(60_000, Math.ceil(enrolled / 50) * 3_000),
      250,
    );
  } finally {
    await c.end();
  }
}
