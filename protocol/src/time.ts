/**
 * Wall-clock time in a named IANA zone, never the machine's (schools carry their own zone).
 * Built on Intl so it needs no tz database of its own.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface ZonedTime {
  /** Local calendar date, `YYYY-MM-DD`. */
  date: string;
  /** Local time of day, `HH:MM:SS`. */
  time: string;
  /** Minutes since local midnight. */
  minuteOfDay: number;
  /** Offset of the zone from UTC at that instant, in minutes (Asia/Ho_Chi_Minh: 420). */
  offsetMinutes: number;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function zonedTime(instant: Date, timeZone: string): ZonedTime {
  const ms = instant.getTime();
  if (ms < FAST_FROM_MS || !Number.isFinite(ms)) return zonedTimeByIntl(instant, timeZone);
  const offsetMinutes = offsetAt(ms, timeZone);
  const local = new Date(ms + offsetMinutes * 60_000);
  const hour = local.getUTCHours();
  const minute = local.getUTCMinutes();
  return {
    date: `${local.getUTCFullYear()}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}`,
    time: `${pad2(hour)}:${pad2(minute)}:${pad2(local.getUTCSeconds())}`,
    minuteOfDay: hour * 60 + minute,
    offsetMinutes,
  };
}

/**
 * Offsets by zone and UTC minute. Every zone's offset since 2000 is a whole number of minutes and
 * changes only at whole UTC minutes, so the offset at a minute's start holds for the whole minute;
 * asking Intl once per minute instead of once per call is what makes this cheap on the ingest path
 * (a morning rush spans a few dozen minutes).
 */
const FAST_FROM_MS = Date.UTC(2000, 0, 1);
const offsets = new Map<string, Map<number, number>>();
const MAX_MINUTES_PER_ZONE = 10_000;

function offsetAt(ms: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  if (!zone) {
    formatterFor(timeZone); // throws RangeError for an unknown zone, before anything is cached
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const minute = Math.floor(ms / 60_000);
  let off = zone.get(minute);
  if (off === undefined) {
    off = zonedTimeByIntl(new Date(minute * 60_000), timeZone).offsetMinutes;
    if (zone.size >= MAX_MINUTES_PER_ZONE) zone.clear();
    zone.set(minute, off);
  }
  return off;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The reference: Intl's reading of the instant in the zone (any date, any offset). */
export function zonedTimeByIntl(instant: Date, timeZone: string): ZonedTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const { year, month, day, hour, minute, second } = parts as Record<string, string>;
  const asUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const offsetMinutes = Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
  return {
    date: `${year}-${month}-${day}`,
    time: `${hour}:${minute}:${second}`,
    minuteOfDay: Number(hour) * 60 + Number(minute),
    offsetMinutes,
  };
}

/** RFC 3339 with the zone's offset and milliseconds, e.g. `2026-11-23T06:52:10.123+07:00`. */
export function toRfc3339(instant: Date, timeZone: string): string {
  const z = zonedTime(instant, timeZone);
  const sign = z.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(z.offsetMinutes);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const ms = String(instant.getUTCMilliseconds()).padStart(3, '0');
  return `${z.date}T${z.time}.${ms}${off}`;
}

/** RFC 3339 with an explicit offset (`Z` or `±HH:MM`), as the contract requires on the wire. */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** `HH:MM` → minutes since midnight. */
export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`"${hhmm}" is not a time of day HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Injected time source: production uses the system clock, tests a fixed or stepping one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests: starts at `start`, moves only when told. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
