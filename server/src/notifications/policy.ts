/**
 * The notification policy (Novu's "workflow"): pure, every rule reading the `now` it is given.
 * For one outbox row it decides: send on a channel, hold until the end of quiet hours, skip (not
 * sent on purpose, with the reason of CONTRACT §4), or fail (given up). Channels never decide any
 * of this; the worker only carries the decision out.
 */
import { zonedTime } from '@rfid/protocol';
import type { QuietHours } from '../config/config.js';
import type { ChannelName } from './channels/channel.js';

/** Why a message was not sent on purpose (`skipped`, reason in `lastError`). */
export type SkipReason =
  'stale' | 'no_consent' | 'opted_out' | 'no_channel' | 'not_absent' | 'no_school_day' | 'not_enrolled';

export type Decision =
  | { kind: 'send'; channel: ChannelName }
  | { kind: 'hold'; until: Date; reason: 'quiet_hours' }
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'fail'; reason: string };

export interface PolicyConfig {
  maxAgeMin: number;
  quietHours: QuietHours | null;
  giveUpAfterMin: number;
}

export interface SchoolCalendar {
  timeZone: string;
  /** ISO weekdays with school (1 = Monday). */
  schoolDays: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
}

export interface PolicyInput {
  event: string;
  /** School-local day the event is about. */
  day: string | null;
  eventAt: Date;
  createdAt: Date;
  attempts: number;
  channelsTried: readonly string[];
  /** The guardian's preference list (`preferenceList`). */
  preference: readonly ChannelName[];
  /** Channels with consent in force now (`consentInForce`). */
  consented: ReadonlySet<ChannelName>;
  /** Events the guardian opted out of. */
  optedOut: ReadonlySet<string>;
  /** Channels configured on this server that can reach this guardian. */
  available: ReadonlySet<ChannelName>;
  school: SchoolCalendar;
  /** The student's attendance that day (absence alerts only). */
  attendance?: { status: string; firstIn: Date | null } | null;
  /**
   * Absence alerts: the reports' own answer (SQL `school_day()` and `enrolments`) for the student's
   * school and day, read when the message is about to go. Without it only the weekday and
   * holiday rules of `school` are checked.
   */
  calendar?: { schoolDay: boolean; enrolled: boolean };
  /** A resend by a school user: sent even when old, still never in quiet hours. */
  resend?: boolean;
}

const MIN = 60_000;

export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** The end of the quiet period `now` falls in (school-local), or null when `now` is not quiet. */
export function quietUntil(now: Date, quiet: QuietHours | null, timeZone: string): Date | null {
  if (!quiet) return null;
  const z = zonedTime(now, timeZone);
  const m = z.minuteOfDay;
  const inQuiet =
    quiet.start < quiet.end ? m >= quiet.start && m < quiet.end : m >= quiet.start || m < quiet.end;
  if (!inQuiet) return null;
  const minutes = (quiet.end - m + 1440) % 1440 || 1440;
  const minuteStart = Math.floor(now.getTime() / MIN) * MIN;
  return new Date(minuteStart + minutes * MIN);
}

export function decide(input: PolicyInput, now: Date, cfg: PolicyConfig): Decision {
  const local = zonedTime(now, input.school.timeZone);
  // Absence alerts: only on a school day, only for a student still without a tap or an excuse.
  if (input.event === 'absent') {
    const day = input.day ?? local.date;
    if (
      input.calendar?.schoolDay === false ||
      !input.school.schoolDays.has(isoWeekday(day)) ||
      input.school.holidays.has(day)
    )
      return { kind: 'skip', reason: 'no_school_day' };
    if (input.calendar?.enrolled === false) return { kind: 'skip', reason: 'not_enrolled' };
    const a = input.attendance;
    if (a && (a.firstIn !== null || a.status === 'present' || a.status === 'late' || a.status === 'excused'))
      return { kind: 'skip', reason: 'not_absent' };
  }
  if (input.optedOut.has(input.event)) return { kind: 'skip', reason: 'opted_out' };
  const tried = new Set(input.channelsTried);
  const consented = input.preference.filter((c) => input.consented.has(c));
  if (consented.length === 0) return { kind: 'skip', reason: 'no_consent' };
  const usable = consented.filter((c) => !tried.has(c) && input.available.has(c));
  if (usable.length === 0)
    return tried.size > 0
      ? { kind: 'fail', reason: 'no_channel_left' }
      : { kind: 'skip', reason: 'no_channel' };
  // Staleness: never news about another day; a check-in or check-out not first handled within
  // NOTIFY_MAX_AGE_MIN of its tap is not announced (one already on its way may finish retrying).
  if (!input.resend) {
    if (input.day !== null && input.day !== local.date) return { kind: 'skip', reason: 'stale' };
    const firstLook = input.attempts === 0 && tried.size === 0;
    if (
      firstLook &&
      input.event !== 'absent' &&
      now.getTime() - input.eventAt.getTime() > cfg.maxAgeMin * MIN
    )
      return { kind: 'skip', reason: 'stale' };
    if (!firstLook && now.getTime() - input.createdAt.getTime() > cfg.giveUpAfterMin * MIN)
      return { kind: 'fail', reason: 'expired' };
  }
  const until = quietUntil(now, cfg.quietHours, input.school.timeZone);
  if (until) return { kind: 'hold', until, reason: 'quiet_hours' };
  return { kind: 'send', channel: usable[0]! };
}

/**
 * Delay before retry `attempt` (1 = the first retry): capped exponential back-off with jitter
 * (half fixed, half random), at least what the provider asked for.
 */
export function backoffMs(
  attempt: number,
  base: number,
  max: number,
  random: () => number = Math.random,
  retryAfterMs = 0,
): number {
  const d = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.max(retryAfterMs, Math.round(d / 2 + random() * (d / 2)));
}

/**
 * A message to a school's staff (staff alerts): on the school's webhook, never about another
 * school-local day, and given up like a parent's after `giveUpAfterMin` of retries. No consent or
 * quiet hours: the school registered the webhook for its staff, and the alerts are made only in
 * the morning window (a recovery closes an alert whenever it happens).
 */
export function decideStaff(
  input: { day: string | null; createdAt: Date; attempts: number; timeZone: string; reachable: boolean },
  now: Date,
  cfg: PolicyConfig,
): Decision {
  if (input.day !== null && input.day !== zonedTime(now, input.timeZone).date)
    return { kind: 'skip', reason: 'stale' };
  if (!input.reachable) return { kind: 'skip', reason: 'no_channel' };
  if (input.attempts > 0 && now.getTime() - input.createdAt.getTime() > cfg.giveUpAfterMin * MIN)
    return { kind: 'fail', reason: 'expired' };
  return { kind: 'send', channel: 'webhook' };
}
