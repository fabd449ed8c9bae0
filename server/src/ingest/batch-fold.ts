/**
 * The pure half of an ingest batch: what rows a batch of taps becomes (school-local day and
 * direction), how the new taps fold into attendance days (earliest IN, latest OUT per student and
 * day), which outbox events the upserted days raise, and what the live clients are told. No I/O,
 * no clock of its own: `IngestService` runs these inside its transaction.
 */
import { DEFAULT_TIME_ZONE, toRfc3339, type LiveAttendance, type LiveTap } from '@rfid/protocol';
import type { SchoolContext } from '../attendance/school-rules.service.js';
import { classifyTap, statusForArrival } from '../attendance/attendance-rules.js';
import type { CardMatch } from './card-directory.js';
import type { ValidTap } from './tap-message.js';
import type { AttendanceInput, AttendanceResult, OutboxInput, TapInsert } from './taps.repository.js';

export interface BatchTap {
  tap: ValidTap;
  schoolId: string;
  gatewayId: string;
}

/** A tap of the batch as it is inserted, with what attendance needs of it. */
export interface PreparedTap extends TapInsert {
  match: CardMatch | null;
  /** Minutes after local midnight (the school's zone). */
  minute: number;
  ctx: SchoolContext | undefined;
  tapDirection: 'in' | 'out';
  src: ValidTap;
}

/**
 * Rows to insert. `matches[i]` is the card of `taps[i]` (null: unknown card); a tap of a school
 * whose rules are not known keeps its UTC date and the terminal's direction (or IN).
 */
export function prepareTaps(
  taps: readonly BatchTap[],
  matches: readonly (CardMatch | null)[],
  schools: ReadonlyMap<string, SchoolContext>,
): PreparedTap[] {
  return taps.map((t, i) => {
    const match = matches[i] ?? null;
    const ctx = schools.get(t.schoolId);
    const cls = ctx
      ? classifyTap(
          ctx.rules,
          t.tap.atDate,
          t.tap.direction,
          ctx.terminalDirections.get(`${t.gatewayId}/${t.tap.terminal}`),
        )
      : { date: t.tap.at.slice(0, 10), minute: 0, direction: t.tap.direction ?? 'in' };
    return {
      id: t.tap.id,
      at: t.tap.atDate.toISOString(),
      schoolId: t.schoolId,
      gatewayId: t.gatewayId,
      terminal: t.tap.terminal,
      card: t.tap.card,
      raw: t.tap.raw,
      seq: t.tap.seq,
      direction: t.tap.direction ?? null,
      cardId: match?.card_id ?? null,
      studentId: match?.student_id ?? null,
      localDate: cls.date,
      match,
      minute: cls.minute,
      ctx,
      tapDirection: cls.direction,
      src: t.tap,
    };
  });
}

export interface FoldOptions {
  /** Taps stamped after this instant (ms) are not counted: a gateway with a wrong clock. */
  latestMs: number;
  /** False when the day cannot change (a later IN or an earlier OUT than already committed). */
  mayChange?: (studentId: string, date: string, direction: 'in' | 'out', atMs: number) => boolean;
}

export interface Fold {
  days: AttendanceInput[];
  /** Taps stamped in the future: stored, not counted. */
  fromTheFuture: PreparedTap[];
  /** Taps that could not change their day. */
  skipped: number;
}

/**
 * The attendance days of the new taps: per student and school-local day the earliest IN (its
 * status from the school's rules) and the latest OUT. Taps of unknown or inactive cards, of a
 * student without a class and of a school without rules make no day.
 */
export function foldAttendanceDays(fresh: readonly PreparedTap[], opts: FoldOptions): Fold {
  const days = new Map<string, AttendanceInput>();
  const fromTheFuture: PreparedTap[] = [];
  let skipped = 0;
  for (const r of fresh) {
    const m = r.match;
    if (r.src.atDate.getTime() > opts.latestMs) {
      fromTheFuture.push(r);
      continue;
    }
    if (!m?.student_id || !m.class_id || !m.active || !r.ctx) continue;
    if (
      opts.mayChange &&
      !opts.mayChange(m.student_id, r.localDate, r.tapDirection, r.src.atDate.getTime())
    ) {
      skipped++;
      continue;
    }
    const key = `${m.student_id}|${r.localDate}`;
    const d = days.get(key) ?? {
      studentId: m.student_id,
      date: r.localDate,
      schoolId: r.schoolId,
      classId: m.class_id,
      status: 'present',
      firstIn: null,
      firstInTapId: null,
      lastOut: null,
      lastOutTapId: null,
    };
    if (r.tapDirection === 'in' && (d.firstIn === null || r.at < d.firstIn)) {
      d.firstIn = r.at;
      d.firstInTapId = r.id;
      d.status = statusForArrival(r.ctx.rules, r.minute);
    }
    if (r.tapDirection === 'out' && (d.lastOut === null || r.at > d.lastOut)) {
      d.lastOut = r.at;
      d.lastOutTapId = r.id;
    }
    days.set(key, d);
  }
  return { days: [...days.values()], fromTheFuture, skipped };
}

/**
 * The day's first arrival and first departure, once: an upserted day raises `check_in` when it had
 * no IN before and its IN is a tap of this batch (`newIds`), `check_out` likewise. The event only:
 * the notification worker decides channel, text and time.
 */
export function outboxEvents(
  attendance: readonly AttendanceResult[],
  newIds: ReadonlySet<string>,
): OutboxInput[] {
  const events: OutboxInput[] = [];
  for (const a of attendance) {
    if (a.prev_first_in === null && a.first_in && a.first_in_tap_id && newIds.has(a.first_in_tap_id))
      events.push({
        studentId: a.student_id,
        schoolId: a.school_id,
        date: a.date,
        tapId: a.first_in_tap_id,
        event: 'check_in',
        at: a.first_in.toISOString(),
        late: a.status === 'late',
      });
    if (a.prev_last_out === null && a.last_out && a.last_out_tap_id && newIds.has(a.last_out_tap_id))
      events.push({
        studentId: a.student_id,
        schoolId: a.school_id,
        date: a.date,
        tapId: a.last_out_tap_id,
        event: 'check_out',
        at: a.last_out.toISOString(),
        late: false,
      });
  }
  return events;
}

/** The `tap` events of the new taps (the student's name only when the card is known). */
export function liveTapsOf(fresh: readonly PreparedTap[]): LiveTap[] {
  return fresh.map((r) => ({
    id: r.id,
    schoolId: r.schoolId,
    gatewayId: r.gatewayId,
    terminal: r.terminal,
    card: r.card,
    at: r.src.at,
    direction: r.tapDirection,
    studentId: r.match?.student_id ?? null,
    classId: r.match?.class_id ?? null,
    name: r.match?.name ?? null,
  }));
}

/** The `attendance` events of the upserted days, times in each school's zone. */
export function liveAttendanceOf(
  attendance: readonly AttendanceResult[],
  schools: ReadonlyMap<string, SchoolContext>,
): LiveAttendance[] {
  return attendance.map((a) => {
    const tz = schools.get(a.school_id)?.rules.timeZone ?? DEFAULT_TIME_ZONE;
    return {
      schoolId: a.school_id,
      classId: a.class_id,
      studentId: a.student_id,
      date: a.date,
      status: a.status,
      firstIn: a.first_in ? toRfc3339(a.first_in, tz) : null,
      lastOut: a.last_out ? toRfc3339(a.last_out, tz) : null,
      tapId: a.first_in_tap_id ?? a.last_out_tap_id,
    };
  });
}
