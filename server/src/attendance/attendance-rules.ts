/**
 * The rules of a school day, pure: everything is computed from an instant and the school's own
 * IANA zone, never the machine's, so a tap that arrives hours late (a drained backlog) counts for
 * the day and the minute it was made.
 */
import { DEFAULT_TIME_ZONE, parseClock, zonedTime, type AttendanceStatus } from '@rfid/protocol';

export interface SchoolRules {
  timeZone: string;
  /** ISO weekdays (1 = Monday … 7 = Sunday). */
  schoolDays: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
  onTimeUntil: number;
  lateUntil: number;
  absenceCutoff: number;
  checkoutFrom: number;
  checkoutUntil: number;
  /** First school day (`YYYY-MM-DD`); earlier days are not school days. */
  startsOn: string | null;
  /** Minute of the day the daily report is made and submitted. */
  reportTime: number;
}

export interface SchoolRulesRow {
  time_zone: string;
  school_days: number[];
  holidays: string[];
  on_time_until: string;
  late_until: string;
  absence_cutoff: string;
  checkout_from: string;
  checkout_until: string;
  starts_on?: string | null;
  report_time?: string;
}

/** The columns of `schools` that make a `SchoolRulesRow`. */
export const SCHOOL_RULES_COLUMNS =
  'time_zone, school_days, to_json(holidays) AS holidays, on_time_until, late_until, absence_cutoff, checkout_from, checkout_until, starts_on::text AS starts_on, report_time';

export function rulesFromRow(r: SchoolRulesRow): SchoolRules {
  return {
    timeZone: r.time_zone,
    schoolDays: new Set(r.school_days.map(Number)),
    holidays: new Set(r.holidays.map((d) => String(d).slice(0, 10))),
    onTimeUntil: parseClock(r.on_time_until),
    lateUntil: parseClock(r.late_until),
    absenceCutoff: parseClock(r.absence_cutoff),
    checkoutFrom: parseClock(r.checkout_from),
    checkoutUntil: parseClock(r.checkout_until),
    startsOn: r.starts_on ? String(r.starts_on).slice(0, 10) : null,
    reportTime: parseClock(r.report_time ?? '09:00'),
  };
}

export const DEFAULT_RULES: SchoolRules = rulesFromRow({
  time_zone: DEFAULT_TIME_ZONE,
  school_days: [1, 2, 3, 4, 5, 6],
  holidays: [],
  on_time_until: '07:00',
  late_until: '09:00',
  absence_cutoff: '09:00',
  checkout_from: '16:00',
  checkout_until: '18:30',
});

const minuteCache = new Map<string, { date: string; minuteOfDay: number }>();

/**
 * Local date and minute of an instant, cached per zone and UTC minute (Intl formatting is the
 * costliest step of a tap; a morning's taps fall on a few hundred minutes). Zone offsets are whole
 * minutes, so a UTC minute is one local minute.
 */
export function zonedMinute(at: Date, timeZone: string): { date: string; minuteOfDay: number } {
  const key = `${timeZone}|${Math.floor(at.getTime() / 60_000)}`;
  let hit = minuteCache.get(key);
  if (!hit) {
    const z = zonedTime(at, timeZone);
    hit = { date: z.date, minuteOfDay: z.minuteOfDay };
    if (minuteCache.size > 50_000) minuteCache.clear();
    minuteCache.set(key, hit);
  }
  return hit;
}

export interface ClassifiedTap {
  /** School-local date `YYYY-MM-DD`. */
  date: string;
  /** School-local minute of the day. */
  minute: number;
  direction: 'in' | 'out';
}

/**
 * Direction of a tap: the tap's own (terminal configured on the gateway), else the terminal's
 * fixed direction on the server, else by time: inside the check-out window it is OUT, else IN.
 */
export function classifyTap(
  rules: SchoolRules,
  at: Date,
  tapDirection?: 'in' | 'out' | null,
  terminalDirection?: 'in' | 'out' | null,
): ClassifiedTap {
  const z = zonedMinute(at, rules.timeZone);
  const direction =
    tapDirection ??
    terminalDirection ??
    (z.minuteOfDay >= rules.checkoutFrom && z.minuteOfDay <= rules.checkoutUntil ? 'out' : 'in');
  return { date: z.date, minute: z.minuteOfDay, direction };
}

/**
 * Status of a first IN at `minute`: up to and including on-time → `present` (07:00:59 is still
 * 07:00), after it → `late`, also after `lateUntil` (a late arrival is still an arrival).
 */
export function statusForArrival(rules: SchoolRules, minute: number): 'present' | 'late' {
  return minute <= rules.onTimeUntil ? 'present' : 'late';
}

export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/**
 * A weekday of the school's calendar, not a holiday, not before the school's first day. (The SQL
 * twin is `school_day()`, used through ../calendar/enrolment.sql.ts; a student is also counted
 * only on the days of their enrolment periods.)
 */
export function isSchoolDay(rules: SchoolRules, date: string): boolean {
  return (
    rules.schoolDays.has(isoWeekday(date)) &&
    !rules.holidays.has(date) &&
    (rules.startsOn === null || date >= rules.startsOn)
  );
}

/**
 * Status of a student with no tap and no manual entry on `date`, seen at `now`:
 * no school that day → `excused`; a past day, or today from the absence cut-off → `absent`;
 * otherwise → `pending`.
 */
export function statusWithoutTap(rules: SchoolRules, date: string, now: Date): AttendanceStatus {
  if (!isSchoolDay(rules, date)) return 'excused';
  const z = zonedTime(now, rules.timeZone);
  if (date < z.date) return 'absent';
  if (date > z.date) return 'pending';
  return z.minuteOfDay >= rules.absenceCutoff ? 'absent' : 'pending';
}

/** `HH:MM` in the school's zone, for messages. */
export function localClock(at: Date, timeZone: string): string {
  return zonedTime(at, timeZone).time.slice(0, 5);
}

/** `DD/MM/YYYY`, the way Vietnamese parents read a date. */
export function vnDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}
