/** Dates and times in the school's zone (never the browser's), in the user's language. */
export const DEFAULT_ZONE = 'Asia/Ho_Chi_Minh';

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = locale + JSON.stringify(opts);
  let f = cache.get(k);
  if (!f) cache.set(k, (f = new Intl.DateTimeFormat(locale, opts)));
  return f;
}

function localeOf(lang: string): string {
  return lang.startsWith('en') ? 'en-GB' : 'vi-VN';
}

/** `06:52` in the zone; empty for null. */
export function timeOf(iso: string | null | undefined, timeZone = DEFAULT_ZONE, lang = 'vi'): string {
  if (!iso) return '';
  return fmt(localeOf(lang), { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );
}

/** `06:52:07` in the zone. */
export function timeWithSeconds(iso: string, timeZone = DEFAULT_ZONE, lang = 'vi'): string {
  return fmt(localeOf(lang), {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** Today's date `YYYY-MM-DD` in the zone. */
export function todayIn(timeZone = DEFAULT_ZONE, now: Date = new Date()): string {
  return fmt('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic on the date itself, zone-free). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A date as the user reads it: `Thứ Hai, 23/11/2026` / `Monday, 23/11/2026`. */
export function dateLabel(
  date: string,
  lang = 'vi',
  opts: Intl.DateTimeFormatOptions = { weekday: 'long', day: '2-digit', month: '2-digit', year: 'numeric' },
): string {
  return fmt(localeOf(lang), { ...opts, timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
}

export function isIsoDate(s: string | null | undefined): s is string {
  return !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

/** `93,5 %` / `93.5%`. */
export function percent(part: number, whole: number, lang = 'vi'): string {
  if (!whole) return '—';
  return new Intl.NumberFormat(localeOf(lang), { style: 'percent', maximumFractionDigits: 1 }).format(
    part / whole,
  );
}
