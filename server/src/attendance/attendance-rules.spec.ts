import {
  classifyTap,
  DEFAULT_RULES,
  isSchoolDay,
  rulesFromRow,
  statusForArrival,
  statusWithoutTap,
} from './attendance-rules.js';

const at = (s: string) => new Date(s);

describe('attendance rules', () => {
  it('takes the date and minute from the tap time in the school zone, not the machine zone', () => {
    // 23:30 UTC on the 22nd is 06:30 on the 23rd in Kon Tum.
    expect(classifyTap(DEFAULT_RULES, at('2026-11-22T23:30:00Z'))).toEqual({
      date: '2026-11-23',
      minute: 6 * 60 + 30,
      direction: 'in',
    });
  });

  it('06:59 and 07:00 are present, 07:01 is late, and so is 10:30', () => {
    const minute = (t: string) => classifyTap(DEFAULT_RULES, at(`2026-11-23T${t}:00+07:00`)).minute;
    expect(statusForArrival(DEFAULT_RULES, minute('06:59'))).toBe('present');
    expect(statusForArrival(DEFAULT_RULES, minute('07:00'))).toBe('present');
    expect(statusForArrival(DEFAULT_RULES, minute('07:01'))).toBe('late');
    expect(statusForArrival(DEFAULT_RULES, minute('10:30'))).toBe('late');
  });

  it('a tap without direction in the check-out window is OUT; the tap or terminal direction wins', () => {
    expect(classifyTap(DEFAULT_RULES, at('2026-11-23T16:45:00+07:00')).direction).toBe('out');
    expect(classifyTap(DEFAULT_RULES, at('2026-11-23T11:30:00+07:00')).direction).toBe('in');
    expect(classifyTap(DEFAULT_RULES, at('2026-11-23T16:45:00+07:00'), 'in').direction).toBe('in');
    expect(classifyTap(DEFAULT_RULES, at('2026-11-23T07:45:00+07:00'), null, 'out').direction).toBe('out');
  });

  it('without a tap: pending before the cut-off, absent from it and on past days, excused on days off', () => {
    const day = '2026-11-23'; // a Monday
    expect(statusWithoutTap(DEFAULT_RULES, day, at('2026-11-23T08:59:00+07:00'))).toBe('pending');
    expect(statusWithoutTap(DEFAULT_RULES, day, at('2026-11-23T09:00:00+07:00'))).toBe('absent');
    expect(statusWithoutTap(DEFAULT_RULES, day, at('2026-11-24T06:00:00+07:00'))).toBe('absent');
    expect(statusWithoutTap(DEFAULT_RULES, '2026-11-29', at('2026-11-29T10:00:00+07:00'))).toBe('excused'); // Sunday
    const withHoliday = rulesFromRow({
      time_zone: 'Asia/Ho_Chi_Minh',
      school_days: [1, 2, 3, 4, 5],
      holidays: ['2026-11-20'],
      on_time_until: '07:00',
      late_until: '09:00',
      absence_cutoff: '09:00',
      checkout_from: '16:00',
      checkout_until: '18:30',
    });
    expect(isSchoolDay(withHoliday, '2026-11-20')).toBe(false);
    expect(isSchoolDay(withHoliday, '2026-11-28')).toBe(false); // Saturday not a school day here
    expect(isSchoolDay(withHoliday, '2026-11-23')).toBe(true);
  });
});
