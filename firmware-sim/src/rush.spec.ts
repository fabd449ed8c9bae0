import { createHash } from 'node:crypto';
import { arrivalHistogram, morningRush, multiSchoolRush, planToLines } from './rush.js';

const sha = (lines: string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex');

describe('morningRush', () => {
  const options = { seed: 42, students: 1500, minutes: 20 } as const;

  it('same seed → the same plan, line for line', () => {
    const a = morningRush(options);
    const b = morningRush(options);
    expect(planToLines(b)).toEqual(planToLines(a));
    expect(b.counts).toEqual(a.counts);
  });

  it('a different seed → a different plan', () => {
    expect(sha(planToLines(morningRush({ ...options, seed: 43 })))).not.toBe(
      sha(planToLines(morningRush(options))),
    );
  });

  it('is pinned: the plan of seed 42 does not change between versions', () => {
    const plan = morningRush(options);
    expect(planToLines(plan).slice(0, 3)).toMatchSnapshot();
    expect(sha(planToLines(plan))).toMatchSnapshot();
  });

  it('has the shape of a morning: absent, forgotten, doubles, a peak before the bell, stragglers after', () => {
    const plan = morningRush(options);
    const c = plan.counts;
    expect(c.students).toBe(1500);
    expect(c.present + c.absent).toBe(1500);
    expect(c.taps).toBe(c.present - c.forgotten + c.doubles);
    expect(plan.taps).toHaveLength(c.taps);
    for (const [count, rate] of [
      [c.absent, 0.04],
      [c.forgotten, 0.02],
      [c.doubles, 0.05],
      [c.late, 0.05],
    ] as const) {
      expect(count).toBeGreaterThan(1500 * rate * 0.5);
      expect(count).toBeLessThan(1500 * rate * 1.6);
    }
    expect(plan.bellAtMs).toBe(15 * 60_000);
    const h = arrivalHistogram(plan);
    const peakMinute = h.indexOf(Math.max(...h));
    expect(peakMinute).toBeGreaterThanOrEqual(7);
    expect(peakMinute).toBeLessThanOrEqual(12);
    const afterBell = plan.taps.filter((t) => t.atMs >= plan.bellAtMs && t.kind === 'tap').length;
    expect(afterBell).toBeGreaterThan(0);
    expect(afterBell).toBeLessThan(c.late + 5);
    expect(plan.taps.every((t) => t.atMs >= 0 && t.atMs < 20 * 60_000 && Number.isInteger(t.atMs))).toBe(
      true,
    );
    // Sorted, and every double comes after its student's first tap.
    expect(plan.taps.every((t, i) => i === 0 || plan.taps[i - 1]!.atMs <= t.atMs)).toBe(true);
    const first = new Map(plan.taps.filter((t) => t.kind === 'tap').map((t) => [t.studentIndex, t.atMs]));
    expect(
      plan.taps.filter((t) => t.kind === 'double').every((t) => t.atMs >= first.get(t.studentIndex)!),
    ).toBe(true);
  });

  it('generated cards are distinct, also in their low 24 bits', () => {
    const plan = morningRush(options);
    expect(new Set(plan.students.map((s) => s.card.hex)).size).toBe(1500);
    expect(new Set(plan.students.map((s) => s.card.hex.slice(-6))).size).toBe(1500);
  });

  it('takes given students and spreads them over terminals', () => {
    const students = [
      { card: '0004467393', name: 'Y Liên' },
      { card: '068,10369' },
      { card: 'em4100:40:0415AB36C1' },
    ];
    const plan = morningRush({
      seed: 1,
      students,
      minutes: 30,
      terminals: 3,
      absentRate: 0,
      forgetCardRate: 0,
      doubleTapRate: 1,
    });
    expect(plan.counts).toMatchObject({ students: 3, present: 3, doubles: 3, taps: 6 });
    expect(plan.students[1]!.card).toEqual({ tech: 'em4100', bits: 24, hex: '442881' });
    expect(plan.taps.every((t) => t.terminalIndex >= 0 && t.terminalIndex < 3)).toBe(true);
  });

  it('rejects nonsense options', () => {
    expect(() => morningRush({ seed: 1, students: 10, minutes: 0 })).toThrow(/minutes/);
    expect(() => morningRush({ seed: 1, students: 10, minutes: 10, absentRate: 2 })).toThrow(/absentRate/);
    expect(() => morningRush({ seed: 1.5, students: 10, minutes: 10 })).toThrow(/seed/);
  });
});

describe('multiSchoolRush', () => {
  it('merges per-school plans with their own seeds and terminal ranges, reproducibly', () => {
    const opts = { seed: 9, schools: 5, studentsPerSchool: 200, terminalsPerSchool: 2, minutes: 20 };
    const plan = multiSchoolRush(opts);
    expect(plan.terminals).toBe(10);
    expect(plan.schools.map((s) => s.firstTerminal)).toEqual([0, 2, 4, 6, 8]);
    expect(plan.counts.students).toBe(1000);
    expect(plan.taps).toHaveLength(plan.schools.reduce((n, s) => n + s.plan.taps.length, 0));
    for (const t of plan.taps) {
      const school = plan.schools[t.schoolIndex!]!;
      expect(t.terminalIndex - school.firstTerminal).toBeGreaterThanOrEqual(0);
      expect(t.terminalIndex - school.firstTerminal).toBeLessThan(2);
    }
    expect(planToLines(multiSchoolRush(opts))).toEqual(planToLines(plan));
    expect(planToLines(plan.schools[0]!.plan)).not.toEqual(planToLines(plan.schools[1]!.plan));
  });
});
