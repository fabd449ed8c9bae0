/**
 * Workloads as plans: who taps which card at which terminal when. A plan is plain data made only
 * from its seed and options, so the same seed gives the same plan (and so the same bytes on the
 * wire) on every run; `runPlan` plays it.
 *
 * The arrival curve of a morning: most students arrive in the quarter hour before the bell, on a
 * skew-normal with a long early tail (the first buses) and a steep flank at the bell; a few
 * stragglers come after it, exponentially fewer the later. Some students are absent, some forget
 * their card (they arrive but make no tap), some tap twice a few seconds apart.
 */
import { cardToText, type CardId } from '@rfid/protocol';
import { cardFromInput, generateEmCards } from './cards.js';
import { SimError } from './errors.js';
import { deriveSeed, SeededRandom } from './rng.js';

export interface RushStudent {
  card: CardId | string;
  name?: string;
  classId?: string;
}

export interface MorningRushOptions {
  seed: number;
  /** The students, or how many to generate (cards then come from the seed too). */
  students: readonly RushStudent[] | number;
  /** Length of the rush window; taps fall in [0, minutes). */
  minutes: number;
  /** When the bell rings, in minutes from the start. Default 75 % of the window. */
  bellAtMinute?: number;
  /** Peak of arrivals, minutes before the bell. Default min(12, 40 % of the time before the bell). */
  peakMinutesBeforeBell?: number;
  /** Spread of on-time arrivals (skew-normal scale), minutes. Default a quarter of the time before the bell. */
  spreadMinutes?: number;
  /** Share of present students arriving after the bell. Default 0.05. */
  lateRate?: number;
  /** Mean lateness of stragglers, minutes. Default 3. */
  lateMeanMinutes?: number;
  /** Share of students absent (no tap). Default 0.04. */
  absentRate?: number;
  /** Share of present students who tap twice. Default 0.05. */
  doubleTapRate?: number;
  /** Share of present students who forgot their card (no tap). Default 0.02. */
  forgetCardRate?: number;
  /** Terminals (gates) the students spread over. Default 1. */
  terminals?: number;
}

export interface RushTap {
  /** Milliseconds from the start of the rush. */
  atMs: number;
  studentIndex: number;
  card: CardId;
  terminalIndex: number;
  /** `double`: the second tap of a student who tapped twice. */
  kind: 'tap' | 'double';
  /** Set in multi-school plans. */
  schoolIndex?: number;
}

export interface RushCounts {
  students: number;
  present: number;
  absent: number;
  forgotten: number;
  late: number;
  doubles: number;
  /** Taps the plan makes: one per present student with a card, plus the doubles. */
  taps: number;
}

export interface RushPlan {
  seed: number;
  minutes: number;
  bellAtMs: number;
  terminals: number;
  /** Sorted by `atMs`, then student, then `tap` before `double`. */
  taps: RushTap[];
  counts: RushCounts;
  /** The students of the plan, in index order, with their cards as `CardId`. */
  students: { card: CardId; name?: string; classId?: string }[];
}

const MINUTE = 60_000;
/** Shape of the on-time curve: a long early tail, a steep flank at the bell. */
const SKEW_ALPHA = -3;
/** The mode of a skew-normal with alpha −3 lies 0.477 scales below its location. */
const SKEW_MODE_OFFSET = 0.477;

function checkRate(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new SimError('bad_plan', `${name} must be in [0, 1], got ${value}`);
  return value;
}

export function morningRush(options: MorningRushOptions): RushPlan {
  const { seed, minutes } = options;
  if (!(minutes > 0)) throw new SimError('bad_plan', `minutes must be > 0, got ${minutes}`);
  const rng = new SeededRandom(seed);
  const students =
    typeof options.students === 'number'
      ? generateEmCards(rng, options.students).map((card) => ({ card }))
      : options.students.map((s) => ({ ...s, card: cardFromInput(s.card) }));
  const windowMs = minutes * MINUTE;
  const bellMin = options.bellAtMinute ?? minutes * 0.75;
  if (!(bellMin > 0 && bellMin <= minutes))
    throw new SimError('bad_plan', `bellAtMinute must be in (0, ${minutes}]`);
  const peakBefore = options.peakMinutesBeforeBell ?? Math.min(12, bellMin * 0.4);
  const spread = options.spreadMinutes ?? bellMin / 4;
  const lateRate = checkRate('lateRate', options.lateRate ?? 0.05);
  const absentRate = checkRate('absentRate', options.absentRate ?? 0.04);
  const doubleRate = checkRate('doubleTapRate', options.doubleTapRate ?? 0.05);
  const forgetRate = checkRate('forgetCardRate', options.forgetCardRate ?? 0.02);
  const lateMean = options.lateMeanMinutes ?? 3;
  const terminals = options.terminals ?? 1;
  if (!Number.isInteger(terminals) || terminals < 1)
    throw new SimError('bad_plan', `terminals must be an integer ≥ 1`);
  const bellMs = bellMin * MINUTE;
  const clampToWindow = (ms: number): number => Math.min(windowMs - 1, Math.max(0, Math.round(ms)));

  const counts: RushCounts = {
    students: students.length,
    present: 0,
    absent: 0,
    forgotten: 0,
    late: 0,
    doubles: 0,
    taps: 0,
  };
  const taps: RushTap[] = [];
  students.forEach((student, studentIndex) => {
    // Every student draws the same number of values whatever happens to them, so changing one
    // rate does not reshuffle everybody else's arrival.
    const absent = rng.chance(absentRate);
    const late = rng.chance(lateRate);
    const forgot = rng.chance(forgetRate);
    const double = rng.chance(doubleRate);
    const onTime = rng.skewNormal(
      bellMs - (peakBefore - SKEW_MODE_OFFSET * spread) * MINUTE,
      spread * MINUTE,
      SKEW_ALPHA,
    );
    const lateness = rng.truncatedExponential(lateMean * MINUTE, windowMs - bellMs);
    const gap = rng.int(1500, 8000);
    const terminalIndex = rng.int(0, terminals - 1);
    if (absent) {
      counts.absent++;
      return;
    }
    counts.present++;
    if (late) counts.late++;
    if (forgot) {
      counts.forgotten++;
      return;
    }
    // On-time students arrive before the bell; stragglers after it, within the window.
    const arrival = late ? clampToWindow(bellMs + lateness) : clampToWindow(Math.min(onTime, bellMs - 1000));
    taps.push({ atMs: arrival, studentIndex, card: student.card, terminalIndex, kind: 'tap' });
    if (double) {
      counts.doubles++;
      taps.push({
        atMs: clampToWindow(arrival + gap),
        studentIndex,
        card: student.card,
        terminalIndex,
        kind: 'double',
      });
    }
  });
  sortTaps(taps);
  counts.taps = taps.length;
  return { seed, minutes, bellAtMs: Math.round(bellMs), terminals, taps, counts, students };
}

function sortTaps(taps: RushTap[]): void {
  taps.sort(
    (a, b) =>
      a.atMs - b.atMs ||
      (a.schoolIndex ?? 0) - (b.schoolIndex ?? 0) ||
      a.studentIndex - b.studentIndex ||
      (a.kind === b.kind ? 0 : a.kind === 'tap' ? -1 : 1),
  );
}

export interface SchoolRushSpec {
  id?: string;
  students: readonly RushStudent[] | number;
  terminals?: number;
}

export interface MultiSchoolRushOptions extends Omit<MorningRushOptions, 'students' | 'terminals'> {
  /** The schools, or how many to generate with `studentsPerSchool` each. */
  schools: readonly SchoolRushSpec[] | number;
  studentsPerSchool?: number;
  /** Terminals per school when a school does not say. Default 1. */
  terminalsPerSchool?: number;
}

export interface MultiSchoolRushPlan extends RushPlan {
  /**
   * Each school's own plan (seeded with `deriveSeed(seed, index)`) and its range of terminals in
   * the merged plan: terminals `firstTerminal … firstTerminal + plan.terminals - 1`.
   */
  schools: { index: number; id: string; firstTerminal: number; plan: RushPlan }[];
}

/**
 * One rush across many schools at once, for load tests: every school runs its own morning with its
 * own seed, and the taps merge into one plan whose `terminalIndex` counts across schools and whose
 * `studentIndex` stays per school (with `schoolIndex` set).
 */
export function multiSchoolRush(options: MultiSchoolRushOptions): MultiSchoolRushPlan {
  const { schools: schoolsOpt, studentsPerSchool, terminalsPerSchool, ...common } = options;
  const specs: SchoolRushSpec[] =
    typeof schoolsOpt === 'number'
      ? Array.from({ length: schoolsOpt }, () => ({ students: studentsPerSchool ?? 500 }))
      : [...schoolsOpt];
  let firstTerminal = 0;
  const schools = specs.map((spec, index) => {
    const plan = morningRush({
      ...common,
      seed: deriveSeed(options.seed, index),
      students: spec.students,
      terminals: spec.terminals ?? terminalsPerSchool ?? 1,
    });
    const entry = {
      index,
      id: spec.id ?? `school-${String(index + 1).padStart(3, '0')}`,
      firstTerminal,
      plan,
    };
    firstTerminal += plan.terminals;
    return entry;
  });
  const taps = schools.flatMap((s) =>
    s.plan.taps.map((t) => ({
      ...t,
      terminalIndex: s.firstTerminal + t.terminalIndex,
      schoolIndex: s.index,
    })),
  );
  sortTaps(taps);
  const counts: RushCounts = {
    students: 0,
    present: 0,
    absent: 0,
    forgotten: 0,
    late: 0,
    doubles: 0,
    taps: 0,
  };
  for (const s of schools)
    for (const k of Object.keys(counts) as (keyof RushCounts)[]) counts[k] += s.plan.counts[k];
  return {
    seed: options.seed,
    minutes: options.minutes,
    bellAtMs: schools[0]?.plan.bellAtMs ?? 0,
    terminals: firstTerminal,
    taps,
    counts,
    students: schools.flatMap((s) => s.plan.students),
    schools,
  };
}

/** A plan as canonical text (one line per tap), for comparing and hashing runs. */
export function planToLines(plan: RushPlan): string[] {
  return plan.taps.map(
    (t) =>
      `${t.atMs} ${t.schoolIndex ?? 0} ${t.studentIndex} ${t.terminalIndex} ${t.kind} ${cardToText(t.card)}`,
  );
}

/** Arrivals per minute of the window, for a quick look at the curve. */
export function arrivalHistogram(plan: RushPlan): number[] {
  const bins = new Array<number>(Math.ceil(plan.minutes)).fill(0);
  for (const t of plan.taps) bins[Math.floor(t.atMs / MINUTE)]!++;
  return bins;
}
