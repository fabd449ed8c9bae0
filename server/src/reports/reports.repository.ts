/**
 * Every figure of the reports is counted here, in SQL, over indexed tables: a district's students
 * never come into Node. A student counts on a day when an enrolment period covers it (the day's
 * class is the period's), and the day counts when it is a school day of the school
 * (../calendar/enrolment.sql.ts). Revisions of the daily report are written here too.
 */
import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';
import { dayClosedSql, enrolledOn, schoolDaySql } from '../calendar/enrolment.sql.js';

export interface CountsRow {
  enrolled: number;
  present: number;
  late: number;
  absent: number;
  excused: number;
  pending: number;
}

/**
 * Status of an enrolled student on the day: `off` when it is not a school day; the attendance
 * row's status; else absent once the day has closed, pending before.
 */
const DAY_STATUS = `CASE WHEN NOT sc.open THEN 'off'
  WHEN a.status IN ('present','late','excused','absent') THEN a.status
  WHEN sc.closed THEN 'absent' ELSE 'pending' END`;

const COUNTS = `count(*)::int AS enrolled,
  count(*) FILTER (WHERE st.status = 'present')::int AS present,
  count(*) FILTER (WHERE st.status = 'late')::int AS late,
  count(*) FILTER (WHERE st.status = 'absent')::int AS absent,
  count(*) FILTER (WHERE st.status = 'excused')::int AS excused,
  count(*) FILTER (WHERE st.status = 'pending')::int AS pending`;

const FIGURES = ['enrolled', 'present', 'late', 'absent', 'excused', 'pending'] as const;

/**
 * CTEs `sc` (the schools of `schoolCond`, with `open`/`closed` for the day) and `st` (one row per
 * enrolled student with the day's status). Parameters: $1 the date, $2 the instant "now".
 */
function dayRollSql(schoolCond: string, enrolmentCond = 'TRUE'): string {
  return `sc AS (
    SELECT s.id, s.district_id, ${schoolDaySql('s', '$1::date')} AS open, ${dayClosedSql('s', '$1::date', '$2')} AS closed
      FROM schools s WHERE ${schoolCond}),
  st AS (
    SELECT e.school_id, e.class_id, e.student_id, ${DAY_STATUS} AS status, a.first_in, a.note
      FROM sc
      JOIN enrolments e ON e.school_id = sc.id AND ${enrolledOn('e', '$1::date')} AND ${enrolmentCond}
      LEFT JOIN attendance_days a ON a.student_id = e.student_id AND a.date = $1::date)`;
}

export interface SchoolHeadRow {
  id: string;
  name: string;
  district_id: string;
  district_name: string;
  time_zone: string;
  open: boolean;
  closed: boolean;
  revision: number | null;
  made_at: Date | null;
  submitted_at: Date | null;
  submitted_revision: number | null;
  amended_at: Date | null;
}

export interface ClassCountsRow extends CountsRow {
  class_id: string | null;
  name: string | null;
  grade: number | null;
  level: 'class' | 'grade' | 'total';
}

export interface StudentStatusRow {
  student_id: string;
  name: string;
  class_id: string;
  class_name: string;
  status: 'late' | 'absent' | 'excused' | 'pending';
  first_in: Date | null;
  note: string | null;
}

export interface UnknownCardDbRow {
  card: string;
  taps: number;
  first_at: Date;
  last_at: Date;
  terminals: string[];
}

export interface OfflineTerminalDbRow {
  gateway_id: string;
  terminal: string | null;
  last_seen: Date | null;
}

export interface DistrictSchoolRow extends CountsRow {
  school_id: string | null;
  name: string | null;
  code: string | null;
  school_day: boolean | null;
  submitted_at: Date | null;
  revision: number | null;
  submitted_revision: number | null;
  amended: boolean;
  offline_terminals: number;
  submitted: number;
  missing: number;
  amended_count: number;
  schools: number;
}

export interface ProvinceDistrictRow extends CountsRow {
  district_id: string | null;
  name: string | null;
  schools: number;
  submitted: number;
  missing: number;
  amended: number;
  offline_terminals: number;
}

export interface RevisionRow {
  revision: number;
  made_at: Date;
  cause: 'scheduled' | 'on_demand' | 'submitted' | 'amended';
  totals: CountsRow;
  statuses: Record<string, string>;
  changes: { studentId: string; name: string; from: string; to: string }[];
}

export interface PeriodDbRow {
  id: string | null;
  name: string | null;
  class_id?: string | null;
  students: number;
  days: number;
  present: number;
  late: number;
  absent_excused: number;
  absent_unexcused: number;
  chronic: number;
  absent_in_year?: number;
}

/**
 * The devices of school `s` that were offline during day `d`'s morning window (`leadMin` before
 * the on-time limit → the late limit, school-local; the staff alerts' window), from the outage
 * history, plus on the school's current day those offline now. A gateway that is down is one row
 * (terminal null), never one per terminal behind it. Columns: gateway_id, terminal, last_seen.
 */
export function offlineDevicesSql(s: string, d: string, now: string, leadMin: number): string {
  const lead = Math.max(0, Math.trunc(leadMin));
  const from = `((${d} + ${s}.on_time_until::time) - make_interval(mins => ${lead})) AT TIME ZONE ${s}.time_zone`;
  const until = `(${d} + ${s}.late_until::time) AT TIME ZONE ${s}.time_zone`;
  return `SELECT o.gateway_id, NULLIF(o.terminal, '') AS terminal, o.started_at AS last_seen
      FROM device_outages o
     WHERE o.school_id = ${s}.id AND o.started_at < ${until} AND o.started_at < (${now})::timestamptz
       AND (o.ended_at IS NULL OR o.ended_at > ${from})
    UNION ALL
    SELECT g.id, t.id, COALESCE(t.last_seen_at, g.last_seen_at)
      FROM gateways g LEFT JOIN terminals t ON t.gateway_id = g.id AND g.online
     WHERE g.school_id = ${s}.id AND g.revoked_at IS NULL AND (NOT g.online OR t.online = false)
       AND ((${now})::timestamptz AT TIME ZONE ${s}.time_zone)::date = ${d}`;
}

/** Per school of the district with stored figures once submitted, live before; plus one totals row (school_id null). */
function perSchoolSql(schoolCond: string, leadMin: number): string {
  const fig = (f: string) =>
    `CASE WHEN r.submitted_at IS NOT NULL THEN (rv.totals->>'${f}')::int ELSE COALESCE(live.${f}, 0) END AS ${f}`;
  return `WITH ${dayRollSql(schoolCond)},
  live AS (SELECT st.school_id, ${COUNTS} FROM st GROUP BY st.school_id),
  per_school AS (
    SELECT s.id AS school_id, s.name, s.code, s.district_id, sc.open AS school_day,
           r.submitted_at, r.revision, r.submitted_revision, COALESCE(r.revision > r.submitted_revision, false) AS amended,
           ${FIGURES.map(fig).join(', ')},
           (SELECT count(*)::int FROM (SELECT DISTINCT x.gateway_id, x.terminal FROM (${offlineDevicesSql('s', '$1::date', '$2', leadMin)}) x) y)
             AS offline_terminals
      FROM sc JOIN schools s ON s.id = sc.id
      LEFT JOIN live ON live.school_id = sc.id
      LEFT JOIN daily_reports r ON r.school_id = sc.id AND r.date = $1::date
      LEFT JOIN daily_report_revisions rv ON rv.school_id = r.school_id AND rv.date = r.date AND rv.revision = r.revision)`;
}

const SUMS = FIGURES.map((f) => `sum(ps.${f})::int AS ${f}`).join(', ');

@Injectable()
export class ReportsRepository {
  constructor(private readonly db: Database) {}

  async schoolHead(schoolId: string, date: string, now: Date): Promise<SchoolHeadRow | null> {
    const [row] = await this.db.query<SchoolHeadRow & Record<string, unknown>>(
      `SELECT s.id, s.name, s.district_id, d.name AS district_name, s.time_zone,
              ${schoolDaySql('s', '$2::date')} AS open, ${dayClosedSql('s', '$2::date', '$3')} AS closed,
              r.revision, r.made_at, r.submitted_at, r.submitted_revision, r.amended_at
         FROM schools s JOIN districts d ON d.id = s.district_id
         LEFT JOIN daily_reports r ON r.school_id = s.id AND r.date = $2::date
        WHERE s.id = $1`,
      [schoolId, date, now.toISOString()],
    );
    return row ?? null;
  }

  /** Counts per class, per grade and for the school (GROUPING SETS); `classIds` cuts to a teacher's classes. */
  async schoolCounts(
    schoolId: string,
    date: string,
    now: Date,
    classIds: string[] | null,
  ): Promise<ClassCountsRow[]> {
    return this.db.query<ClassCountsRow & Record<string, unknown>>(
      `WITH ${dayRollSql('s.id = $3', classIds ? 'e.class_id = ANY($4::uuid[])' : 'TRUE')}
       SELECT c.id AS class_id, c.name, c.grade,
              CASE WHEN GROUPING(c.id) = 0 THEN 'class' WHEN GROUPING(c.grade) = 0 THEN 'grade' ELSE 'total' END AS level,
              ${COUNTS}
         FROM st JOIN classes c ON c.id = st.class_id
        GROUP BY GROUPING SETS ((c.grade, c.id, c.name), (c.grade), ())
        ORDER BY GROUPING(c.grade), c.grade NULLS LAST, GROUPING(c.id), c.name`,
      classIds ? [date, now.toISOString(), schoolId, classIds] : [date, now.toISOString(), schoolId],
    );
  }

  /** Enrolled students of the day who did not come on time (late, absent, excused, pending). */
  async studentsNotOnTime(
    schoolId: string,
    date: string,
    now: Date,
    classIds: string[] | null,
  ): Promise<StudentStatusRow[]> {
    return this.db.query<StudentStatusRow & Record<string, unknown>>(
      `WITH ${dayRollSql('s.id = $3', classIds ? 'e.class_id = ANY($4::uuid[])' : 'TRUE')}
       SELECT st.student_id, p.name, st.class_id, c.name AS class_name, st.status, st.first_in, st.note
         FROM st JOIN students p ON p.id = st.student_id JOIN classes c ON c.id = st.class_id
        WHERE st.status IN ('late','absent','excused','pending')
        ORDER BY c.grade NULLS LAST, c.name, p.name, p.id`,
      classIds ? [date, now.toISOString(), schoolId, classIds] : [date, now.toISOString(), schoolId],
    );
  }

  /** Taps of unknown cards on the school's local day, one row per card. */
  async unknownCards(schoolId: string, date: string): Promise<UnknownCardDbRow[]> {
    const midnight = Date.parse(`${date}T00:00:00Z`);
    return this.db.query<UnknownCardDbRow & Record<string, unknown>>(
      `SELECT card, count(*)::int AS taps, min(at) AS first_at, max(at) AS last_at, array_agg(DISTINCT terminal ORDER BY terminal) AS terminals
         FROM taps
        WHERE school_id = $1 AND card_id IS NULL AND at >= $2 AND at < $3 AND local_date = $4::date
        GROUP BY card ORDER BY min(at)`,
      [
        schoolId,
        new Date(midnight - 86_400_000).toISOString(),
        new Date(midnight + 2 * 86_400_000).toISOString(),
        date,
      ],
    );
  }

  /** Devices of the school offline in the day's morning window (and, on its current day, now): `offlineDevicesSql`. */
  async offlineTerminals(
    schoolId: string,
    date: string,
    now: Date,
    leadMin: number,
  ): Promise<OfflineTerminalDbRow[]> {
    return this.db.query<OfflineTerminalDbRow & Record<string, unknown>>(
      `SELECT x.gateway_id, x.terminal, min(x.last_seen) AS last_seen
         FROM schools s CROSS JOIN LATERAL (${offlineDevicesSql('s', '$2::date', '$3', leadMin)}) x
        WHERE s.id = $1
        GROUP BY x.gateway_id, x.terminal
        ORDER BY x.gateway_id, x.terminal NULLS FIRST`,
      [schoolId, date, now.toISOString()],
    );
  }

  /** Per school of the district, then one totals row (`school_id` null). */
  async districtDay(
    districtId: string,
    date: string,
    now: Date,
    leadMin: number,
  ): Promise<DistrictSchoolRow[]> {
    return this.db.query<DistrictSchoolRow & Record<string, unknown>>(
      `${perSchoolSql('s.district_id = $3', leadMin)}
       SELECT ps.school_id, ps.name, ps.code, ps.school_day, ps.submitted_at, ps.revision, ps.submitted_revision, bool_or(ps.amended) AS amended,
              ${SUMS}, sum(ps.offline_terminals)::int AS offline_terminals, count(*)::int AS schools,
              count(*) FILTER (WHERE ps.submitted_at IS NOT NULL)::int AS submitted,
              count(*) FILTER (WHERE ps.school_day AND ps.submitted_at IS NULL)::int AS missing,
              count(*) FILTER (WHERE ps.amended)::int AS amended_count
         FROM per_school ps
        GROUP BY GROUPING SETS ((ps.school_id, ps.name, ps.code, ps.school_day, ps.submitted_at, ps.revision, ps.submitted_revision), ())
        ORDER BY GROUPING(ps.school_id), ps.code`,
      [date, now.toISOString(), districtId],
    );
  }

  /** Per district of the province, then one totals row (`district_id` null). */
  async provinceDay(date: string, now: Date, leadMin: number): Promise<ProvinceDistrictRow[]> {
    return this.db.query<ProvinceDistrictRow & Record<string, unknown>>(
      `${perSchoolSql('TRUE', leadMin)}
       SELECT d.id AS district_id, d.name, ${SUMS}, count(*)::int AS schools,
              count(*) FILTER (WHERE ps.submitted_at IS NOT NULL)::int AS submitted,
              count(*) FILTER (WHERE ps.school_day AND ps.submitted_at IS NULL)::int AS missing,
              count(*) FILTER (WHERE ps.amended)::int AS amended,
              sum(ps.offline_terminals)::int AS offline_terminals
         FROM per_school ps JOIN districts d ON d.id = ps.district_id
        GROUP BY GROUPING SETS ((d.id, d.code, d.name), ())
        ORDER BY GROUPING(d.id), d.code`,
      [date, now.toISOString()],
    );
  }

  async districtName(districtId: string): Promise<string | null> {
    const [r] = await this.db.query<{ name: string }>('SELECT name FROM districts WHERE id = $1', [
      districtId,
    ]);
    return r?.name ?? null;
  }

  async revisions(schoolId: string, date: string): Promise<RevisionRow[]> {
    return this.db.query<RevisionRow & Record<string, unknown>>(
      `SELECT revision, made_at, cause, totals, statuses, changes FROM daily_report_revisions
        WHERE school_id = $1 AND date = $2::date ORDER BY revision`,
      [schoolId, date],
    );
  }

  async latestRevision(c: SqlClient, schoolId: string, date: string): Promise<RevisionRow | null> {
    const r = await c.query<RevisionRow>(
      `SELECT rv.revision, rv.made_at, rv.cause, rv.totals, rv.statuses, rv.changes
         FROM daily_reports r JOIN daily_report_revisions rv USING (school_id, date, revision)
        WHERE r.school_id = $1 AND r.date = $2::date FOR UPDATE OF r`,
      [schoolId, date],
    );
    return r.rows[0] ?? null;
  }

  /** Lock the school-day's report head (created empty if absent) so revisions are numbered one at a time. */
  async lockHead(c: SqlClient, schoolId: string, date: string, now: Date): Promise<void> {
    await c.query(
      `INSERT INTO daily_reports (school_id, date, revision, made_at) VALUES ($1, $2::date, 0, $3) ON CONFLICT (school_id, date) DO NOTHING`,
      [schoolId, date, now.toISOString()],
    );
    await c.query('SELECT 1 FROM daily_reports WHERE school_id = $1 AND date = $2::date FOR UPDATE', [
      schoolId,
      date,
    ]);
  }

  async insertRevision(
    c: SqlClient,
    r: {
      schoolId: string;
      date: string;
      revision: number;
      madeAt: Date;
      cause: RevisionRow['cause'];
      totals: CountsRow;
      classes: unknown;
      statuses: Record<string, string>;
      offline: unknown;
      changes: unknown;
    },
  ): Promise<void> {
    await c.query(
      `INSERT INTO daily_report_revisions (school_id, date, revision, made_at, cause, totals, classes, statuses, offline_terminals, changes)
       VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.schoolId,
        r.date,
        r.revision,
        r.madeAt.toISOString(),
        r.cause,
        JSON.stringify(r.totals),
        JSON.stringify(r.classes),
        JSON.stringify(r.statuses),
        JSON.stringify(r.offline),
        JSON.stringify(r.changes),
      ],
    );
    await c.query(
      `UPDATE daily_reports SET revision = $3, made_at = $4,
              amended_at = CASE WHEN submitted_at IS NOT NULL AND $3 > submitted_revision THEN $4::timestamptz ELSE amended_at END
        WHERE school_id = $1 AND date = $2::date`,
      [r.schoolId, r.date, r.revision, r.madeAt.toISOString()],
    );
  }

  /** The school-day's submission (in the transaction holding its head's lock); null: not submitted. */
  async submission(
    c: SqlClient,
    schoolId: string,
    date: string,
  ): Promise<{ submitted_at: Date; submitted_revision: number } | null> {
    const r = await c.query<{ submitted_at: Date; submitted_revision: number }>(
      `SELECT submitted_at, submitted_revision FROM daily_reports
        WHERE school_id = $1 AND date = $2::date AND submitted_at IS NOT NULL`,
      [schoolId, date],
    );
    return r.rows[0] ?? null;
  }

  /** Marks the school-day submitted at its latest revision (first submission only; later ones are amendments). */
  async markSubmitted(c: SqlClient, schoolId: string, date: string, at: Date, by: string): Promise<boolean> {
    const r = await c.query(
      `UPDATE daily_reports SET submitted_at = $3, submitted_by = $4, submitted_revision = revision
        WHERE school_id = $1 AND date = $2::date AND submitted_at IS NULL`,
      [schoolId, date, at.toISOString(), by],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Takes up to `limit` school-days whose attendance changed after their report was made. */
  async takeDirty(limit: number): Promise<{ school_id: string; date: string }[]> {
    return this.db.query<{ school_id: string; date: string }>(
      `DELETE FROM daily_report_dirty WHERE (school_id, date) IN (SELECT school_id, date FROM daily_report_dirty ORDER BY date LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING school_id, date::text AS date`,
      [limit],
    );
  }

  /** Schools whose local report time of a school day has passed at `now` without a submitted report; each with that local date. */
  async dueReports(now: Date): Promise<{ school_id: string; date: string }[]> {
    return this.db.query<{ school_id: string; date: string }>(
      `SELECT s.id AS school_id, l.d::text AS date
         FROM schools s
         CROSS JOIN LATERAL (SELECT ($1::timestamptz AT TIME ZONE s.time_zone) AS t) lt
         CROSS JOIN LATERAL (SELECT lt.t::date AS d) l
        WHERE ${schoolDaySql('s', 'l.d')} AND lt.t >= l.d + s.report_time::time
          AND NOT EXISTS (SELECT 1 FROM daily_reports r WHERE r.school_id = s.id AND r.date = l.d AND r.submitted_at IS NOT NULL)`,
      [now.toISOString()],
    );
  }

  async districtDelivery(schoolId: string): Promise<{
    district_id: string;
    webhook_url: string | null;
    webhook_secret: string | null;
    email: string | null;
  } | null> {
    const [r] = await this.db.query<{
      district_id: string;
      webhook_url: string | null;
      webhook_secret: string | null;
      email: string | null;
    }>(
      `SELECT d.id AS district_id, d.report_webhook_url AS webhook_url, d.report_webhook_secret AS webhook_secret, d.report_email AS email
         FROM schools s JOIN districts d ON d.id = s.district_id WHERE s.id = $1`,
      [schoolId],
    );
    return r ?? null;
  }

  async setDistrictDelivery(
    districtId: string,
    d: { webhookUrl: string | null; webhookSecret: string | null; email: string | null },
  ): Promise<void> {
    await this.db.query(
      'UPDATE districts SET report_webhook_url = $2, report_webhook_secret = $3, report_email = $4 WHERE id = $1',
      [districtId, d.webhookUrl, d.webhookSecret, d.email],
    );
  }

  async studentNames(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.db.query<{ id: string; name: string }>(
      'SELECT id, name FROM students WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /**
   * Period figures over the school days in [from, to] that have closed at `now`, per student
   * first (chronic: absent on ≥ 10 % of their days), then per group (`groupBy` the school or class
   * column of the enrolment) with a totals row (id null). `level` says what the rows are.
   */
  async period(q: {
    level: 'district' | 'school' | 'class';
    id: string;
    from: string;
    to: string;
    now: Date;
    yearFrom: string;
  }): Promise<PeriodDbRow[]> {
    const schoolCond =
      q.level === 'district'
        ? 's.district_id = $4'
        : q.level === 'school'
          ? 's.id = $4'
          : 's.id = (SELECT school_id FROM classes WHERE id = $4)';
    const enrolCond = q.level === 'class' ? 'AND e.class_id = $4' : '';
    // For a class the student rows also count the school year's absences (promotion rule), so the
    // day range starts at the school year's first day and the period is a filter on it.
    const start = q.level === 'class' ? 'LEAST($1::date, $5::date)' : '$1::date';
    // A student is counted once per row of the report: per school (district), per class (school,
    // so a class change splits the student between the two classes), per student (class).
    const groupCol = q.level === 'district' ? 'school_id' : 'class_id';
    // Per student and group, without one row per student-day: the days an enrolment covers are
    // its school's count of the range's school days (counted once per school) when it covers the
    // whole range, else counted over the few days it does; the attendance rows of the range are read
    // once (index on school and date) and matched to their enrolment and school day by hash joins.
    // Absent without permission is the rest: a day without a row, or `absent`/`pending`.
    const perStudent = `
      WITH sc AS (SELECT s.* FROM schools s WHERE ${schoolCond}),
      days AS MATERIALIZED (
        SELECT sc.id AS school_id, (${start} + g.i) AS d
          FROM sc CROSS JOIN LATERAL generate_series(0, $2::date - ${start}) AS g(i)
         WHERE ${schoolDaySql('sc', `(${start} + g.i)`)} AND ${dayClosedSql('sc', `(${start} + g.i)`, '$3')}),
      sn AS MATERIALIZED (
        SELECT school_id, min(d) AS first_d, max(d) AS last_d,
               count(*) FILTER (WHERE d >= $1::date)::int AS n, count(*) FILTER (WHERE d >= $5::date)::int AS yn
          FROM days GROUP BY school_id),
      -- The enrolments of the range (planned from the table's statistics, not a materialised guess).
      en AS (
        SELECT e.id, e.student_id, e.school_id, e.class_id, e.from_date, e.to_date FROM enrolments e
         WHERE e.school_id = ANY (ARRAY(SELECT id FROM sc)) AND e.from_date <= $2::date AND e.to_date > ${start} ${enrolCond}),
      ew AS (SELECT en.*, sn.n, sn.yn, (en.from_date <= sn.first_d AND en.to_date > sn.last_d) AS whole
               FROM en JOIN sn ON sn.school_id = en.school_id),
      ed AS (
        SELECT ew.student_id, ew.${groupCol} AS group_id, ew.n AS days, ew.yn AS year_days FROM ew WHERE ew.whole
        UNION ALL
        SELECT ew.student_id, ew.${groupCol}, count(*) FILTER (WHERE days.d >= $1::date)::int,
               count(*) FILTER (WHERE days.d >= $5::date)::int
          FROM ew JOIN days ON days.school_id = ew.school_id AND ew.from_date <= days.d AND days.d < ew.to_date
         WHERE NOT ew.whole
         GROUP BY ew.id, ew.student_id, ew.${groupCol}),
      -- Attendance rows on a counted day (a closed school day of the enrolment's school), tested
      -- row by row with the school's rules rather than joined to the day list.
      -- Attendance of students enrolled over the whole range (nearly all): one pass over the
      -- range's rows, aggregated per student, each row tested with its school's day rules; the
      -- few others (a transfer, a leaver, a newcomer) are matched to their enrolment row by row.
      aw AS (
        SELECT a.student_id,
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'present')::int AS present,
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'late')::int AS late,
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'excused')::int AS excused,
               count(*) FILTER (WHERE a.date >= $5::date AND a.status IN ('present','late'))::int AS year_attended
          FROM attendance_days a JOIN days ON days.school_id = a.school_id AND days.d = a.date
         WHERE a.school_id = ANY (ARRAY(SELECT id FROM sc)) AND a.date BETWEEN ${start} AND $2::date
           AND a.status IN ('present','late','excused')
         GROUP BY a.student_id),
      ad AS (
        SELECT ew.student_id, ew.${groupCol} AS group_id, aw.present, aw.late, aw.excused, aw.year_attended
          FROM ew JOIN aw ON aw.student_id = ew.student_id WHERE ew.whole
        UNION ALL
        SELECT ew.student_id, ew.${groupCol},
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'present')::int,
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'late')::int,
               count(*) FILTER (WHERE a.date >= $1::date AND a.status = 'excused')::int,
               count(*) FILTER (WHERE a.date >= $5::date AND a.status IN ('present','late'))::int
          FROM ew
          JOIN attendance_days a ON a.student_id = ew.student_id AND ew.from_date <= a.date AND a.date < ew.to_date
          JOIN days ON days.school_id = ew.school_id AND days.d = a.date
         WHERE NOT ew.whole AND a.school_id = ANY (ARRAY(SELECT id FROM sc)) AND a.status IN ('present','late','excused')
           AND a.date BETWEEN ${start} AND $2::date
         GROUP BY ew.student_id, ew.${groupCol}),
      ps AS (
        SELECT x.student_id, x.group_id, x.days, COALESCE(ad.present, 0) AS present, COALESCE(ad.late, 0) AS late,
               COALESCE(ad.excused, 0) AS absent_excused,
               x.days - COALESCE(ad.present, 0) - COALESCE(ad.late, 0) - COALESCE(ad.excused, 0) AS absent_unexcused,
               x.year_days - COALESCE(ad.year_attended, 0) AS absent_in_year
          FROM (SELECT student_id, group_id, sum(days)::int AS days, sum(year_days)::int AS year_days
                  FROM ed GROUP BY student_id, group_id) x
          LEFT JOIN (SELECT student_id, group_id, sum(present)::int AS present, sum(late)::int AS late, sum(excused)::int AS excused,
                             sum(year_attended)::int AS year_attended FROM ad GROUP BY student_id, group_id) ad
            ON ad.student_id = x.student_id AND ad.group_id = x.group_id),
      pc AS (SELECT ps.*, (ps.days > 0 AND (ps.absent_excused + ps.absent_unexcused) * 10 >= ps.days) AS chronic FROM ps WHERE ps.days > 0)`;
    const sums = `count(*)::int AS students, sum(pc.days)::int AS days, sum(pc.present)::int AS present, sum(pc.late)::int AS late,
      sum(pc.absent_excused)::int AS absent_excused, sum(pc.absent_unexcused)::int AS absent_unexcused, count(*) FILTER (WHERE pc.chronic)::int AS chronic`;
    const params = [q.from, q.to, q.now.toISOString(), q.id, q.yearFrom];
    if (q.level === 'class') {
      return this.db.query<PeriodDbRow & Record<string, unknown>>(
        `${perStudent}
         SELECT * FROM (
           SELECT p.id, p.name, pc.group_id AS class_id, 1 AS students, pc.days, pc.present, pc.late, pc.absent_excused, pc.absent_unexcused, pc.chronic::int AS chronic, pc.absent_in_year
             FROM pc JOIN students p ON p.id = pc.student_id
           UNION ALL
           SELECT NULL, NULL, NULL, ${sums}, NULL FROM pc) x
         ORDER BY x.id IS NULL, x.name, x.id`,
        params,
      );
    }
    const table = q.level === 'district' ? 'schools' : 'classes';
    return this.db.query<PeriodDbRow & Record<string, unknown>>(
      `${perStudent}
       SELECT g.id, g.name, ${sums}
         FROM pc JOIN ${table} g ON g.id = pc.group_id
        GROUP BY GROUPING SETS ((g.id, g.name), ())
        ORDER BY GROUPING(g.id), g.name`,
      params,
    );
  }
}
