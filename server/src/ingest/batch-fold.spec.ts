import fc from 'fast-check';
import { parseCardText } from '@rfid/protocol';
import { DEFAULT_RULES, type SchoolRules } from '../attendance/attendance-rules.js';
import type { SchoolContext } from '../attendance/school-rules.service.js';
import type { CardMatch } from './card-directory.js';
import {
  foldAttendanceDays,
  liveAttendanceOf,
  liveTapsOf,
  outboxEvents,
  prepareTaps,
  type BatchTap,
} from './batch-fold.js';
import type { AttendanceResult } from './taps.repository.js';

const SCHOOL = '11111111-1111-4111-8111-111111111111';
const CLASS = '22222222-2222-4222-8222-222222222222';
const student = (n: number) => `33333333-3333-4333-8333-${String(n).padStart(12, '0')}`;
const match = (n: number, over: Partial<CardMatch> = {}): CardMatch => ({
  card_id: `44444444-4444-4444-8444-${String(n).padStart(12, '0')}`,
  student_id: student(n),
  class_id: CLASS,
  name: n === 1 ? 'Y Liên' : 'A Sang',
  active: true,
  ...over,
});
const ctx = (rules: SchoolRules = DEFAULT_RULES): Map<string, SchoolContext> =>
  new Map([[SCHOOL, { schoolId: SCHOOL, rules, terminalDirections: new Map([['gw-1/gate-out', 'out']]) }]]);

let seq = 0;
function tap(at: string, opts: { terminal?: string; direction?: 'in' | 'out' } = {}): BatchTap {
  seq++;
  const atDate = new Date(at);
  return {
    schoolId: SCHOOL,
    gatewayId: 'gw-1',
    tap: {
      id: `55555555-5555-4555-8555-${String(seq).padStart(12, '0')}`,
      terminal: opts.terminal ?? 'gate-1',
      card: 'em4100:40:0000480000',
      raw: '0000480000',
      at,
      seq,
      ...(opts.direction ? { direction: opts.direction } : {}),
      atDate,
      cardId: parseCardText('em4100:40:0000480000'),
    },
  };
}
const NO_LIMIT = { latestMs: Number.POSITIVE_INFINITY };

describe('prepareTaps', () => {
  it('takes the school-local day and minute, and the direction from the tap, the terminal or the time', () => {
    const taps = [
      tap('2026-11-22T23:30:00Z'), // 06:30 on the 23rd in Kon Tum
      tap('2026-11-23T16:30:00+07:00'), // check-out window
      tap('2026-11-23T07:30:00+07:00', { terminal: 'gate-out' }), // fixed OUT terminal
      tap('2026-11-23T16:30:00+07:00', { direction: 'in' }), // the tap's own direction wins
    ];
    const rows = prepareTaps(taps, [match(1), match(1), null, match(2)], ctx());
    expect(rows.map((r) => [r.localDate, r.minute, r.tapDirection])).toEqual([
      ['2026-11-23', 6 * 60 + 30, 'in'],
      ['2026-11-23', 16 * 60 + 30, 'out'],
      ['2026-11-23', 7 * 60 + 30, 'out'],
      ['2026-11-23', 16 * 60 + 30, 'in'],
    ]);
    expect(rows[2]).toMatchObject({ cardId: null, studentId: null, match: null });
    expect(rows[0]).toMatchObject({ studentId: student(1), at: '2026-11-22T23:30:00.000Z', direction: null });
    expect(rows[3]!.direction).toBe('in');
  });

  it('a school whose rules are unknown keeps the UTC date and counts nothing', () => {
    const rows = prepareTaps([tap('2026-11-22T23:30:00Z')], [match(1)], new Map());
    expect(rows[0]).toMatchObject({ localDate: '2026-11-22', tapDirection: 'in', ctx: undefined });
    expect(foldAttendanceDays(rows, NO_LIMIT).days).toEqual([]);
  });
});

describe('foldAttendanceDays', () => {
  it('06:59 is present and 07:01 late; the earliest IN and the latest OUT of the day win', () => {
    const onTime = prepareTaps(
      [
        tap('2026-11-23T07:01:00+07:00'),
        tap('2026-11-23T06:59:00+07:00'),
        tap('2026-11-23T16:10:00+07:00'),
        tap('2026-11-23T17:45:00+07:00'),
      ],
      [match(1), match(1), match(1), match(1)],
      ctx(),
    );
    const [day] = foldAttendanceDays(onTime, NO_LIMIT).days;
    expect(day).toMatchObject({
      studentId: student(1),
      date: '2026-11-23',
      status: 'present',
      firstIn: '2026-11-22T23:59:00.000Z',
      firstInTapId: onTime[1]!.id,
      lastOut: '2026-11-23T10:45:00.000Z',
      lastOutTapId: onTime[3]!.id,
    });
    const late = prepareTaps([tap('2026-11-23T07:01:00+07:00')], [match(2)], ctx());
    expect(foldAttendanceDays(late, NO_LIMIT).days[0]!.status).toBe('late');
  });

  it('unknown, inactive and class-less cards make no day; future taps are set aside; unchangeable days skipped', () => {
    const rows = prepareTaps(
      [
        tap('2026-11-23T06:50:00+07:00'),
        tap('2026-11-23T06:51:00+07:00'),
        tap('2026-11-23T06:52:00+07:00'),
        tap('2026-11-23T09:00:00+07:00'),
        tap('2026-11-23T06:53:00+07:00'),
      ],
      [null, match(2, { active: false }), match(3, { class_id: null }), match(4), match(5)],
      ctx(),
    );
    const fold = foldAttendanceDays(rows, {
      latestMs: Date.parse('2026-11-23T08:00:00+07:00'),
      mayChange: (studentId) => studentId !== student(5),
    });
    expect(fold.days).toEqual([]);
    expect(fold.fromTheFuture.map((r) => r.id)).toEqual([rows[3]!.id]);
    expect(fold.skipped).toBe(1);
  });

  it('is the same for any order of the batch: per student and day the minimum IN and maximum OUT', () => {
    const minute = fc.integer({ min: 5 * 60, max: 18 * 60 });
    const entry = fc.record({
      student: fc.integer({ min: 1, max: 4 }),
      minute,
      day: fc.integer({ min: 23, max: 24 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 30 }), (entries) => {
        const taps = entries.map((e) => {
          const hh = String(Math.floor(e.minute / 60)).padStart(2, '0');
          const mm = String(e.minute % 60).padStart(2, '0');
          return tap(`2026-11-${e.day}T${hh}:${mm}:00+07:00`);
        });
        const matches = entries.map((e) => match(e.student));
        const forward = foldAttendanceDays(prepareTaps(taps, matches, ctx()), NO_LIMIT).days;
        const backward = foldAttendanceDays(
          prepareTaps([...taps].reverse(), [...matches].reverse(), ctx()),
          NO_LIMIT,
        ).days;
        const byKey = (days: typeof forward) =>
          // Two taps of the same instant tie: which one's id is kept follows the batch order.
          new Map(
            days.map(
              (d) => [`${d.studentId}|${d.date}`, { ...d, firstInTapId: null, lastOutTapId: null }] as const,
            ),
          );
        expect(byKey(backward)).toEqual(byKey(forward));
        for (const d of forward) {
          const mine = entries.filter(
            (e) => student(e.student) === d.studentId && `2026-11-${e.day}` === d.date,
          );
          const ins = mine.filter((e) => e.minute < 16 * 60 || e.minute > 18 * 60 + 30).map((e) => e.minute);
          const outs = mine
            .filter((e) => e.minute >= 16 * 60 && e.minute <= 18 * 60 + 30)
            .map((e) => e.minute);
          const local = (iso: string | null) => {
            if (iso === null) return null;
            const t = new Date(Date.parse(iso) + 7 * 3_600_000);
            return t.getUTCHours() * 60 + t.getUTCMinutes();
          };
          expect(local(d.firstIn)).toBe(ins.length ? Math.min(...ins) : null);
          expect(local(d.lastOut)).toBe(outs.length ? Math.max(...outs) : null);
        }
      }),
    );
  });
});

describe('outboxEvents and live events', () => {
  const day = (over: Partial<AttendanceResult>): AttendanceResult => ({
    student_id: student(1),
    date: '2026-11-23',
    school_id: SCHOOL,
    class_id: CLASS,
    status: 'late',
    first_in: new Date('2026-11-23T00:05:00Z'),
    first_in_tap_id: 'tap-in',
    last_out: null,
    last_out_tap_id: null,
    prev_first_in: null,
    prev_last_out: null,
    ...over,
  });

  it('the first IN and the first OUT of the day raise one event each, only for taps of this batch', () => {
    const events = outboxEvents(
      [
        day({}),
        day({ student_id: student(2), prev_first_in: new Date('2026-11-23T00:00:00Z') }), // had an IN
        day({ student_id: student(3), first_in_tap_id: 'tap-of-another-batch' }),
        day({
          student_id: student(4),
          status: 'present',
          first_in: null,
          first_in_tap_id: null,
          last_out: new Date('2026-11-23T09:30:00Z'),
          last_out_tap_id: 'tap-out',
        }),
      ],
      new Set(['tap-in', 'tap-out']),
    );
    expect(events).toEqual([
      expect.objectContaining({ studentId: student(1), event: 'check_in', late: true, tapId: 'tap-in' }),
      expect.objectContaining({
        studentId: student(4),
        event: 'check_out',
        late: false,
        at: '2026-11-23T09:30:00.000Z',
      }),
    ]);
  });

  it('live attendance carries times in the school zone; live taps the student only when the card is known', () => {
    const [a] = liveAttendanceOf([day({})], ctx({ ...DEFAULT_RULES, timeZone: 'Asia/Tokyo' }));
    expect(a).toMatchObject({ firstIn: '2026-11-23T09:05:00.000+09:00', lastOut: null, tapId: 'tap-in' });
    const [b] = liveAttendanceOf([day({})], new Map());
    expect(b!.firstIn).toBe('2026-11-23T07:05:00.000+07:00'); // the default zone, Asia/Ho_Chi_Minh
    const rows = prepareTaps(
      [tap('2026-11-23T06:55:00+07:00'), tap('2026-11-23T06:56:00+07:00')],
      [match(1), null],
      ctx(),
    );
    expect(liveTapsOf(rows).map((t) => [t.name, t.studentId, t.direction])).toEqual([
      ['Y Liên', student(1), 'in'],
      [null, null, 'in'],
    ]);
  });
});
