/**
 * "Who is enrolled that day, and is it a school day" as SQL fragments: the one form every reader
 * uses (the attendance API, the absence job, the reports, the alerts). The pure twin of the
 * school-day rule is `isSchoolDay` in ../attendance/attendance-rules.ts; both read the same
 * columns (`school_days`, `holidays`, `starts_on`) and the migration's `school_day()` function.
 */

/** Rows of `enrolments` alias `e` that cover the date expression `d` (`[from_date, to_date)`). */
export function enrolledOn(e: string, d: string): string {
  return `${e}.from_date <= ${d} AND ${d} < ${e}.to_date`;
}

/** Whether date expression `d` is a school day of the `schools` row alias `s`. */
export function schoolDaySql(s: string, d: string): string {
  return `school_day(${s}.school_days, ${s}.holidays, ${s}.starts_on, ${d})`;
}

/**
 * Whether, at instant expression `now`, the day `d` of school `s` is closed: a past day, or today
 * from the absence cut-off. A student with no attendance row on a closed school day is absent;
 * before that, pending (same rule as `statusWithoutTap`).
 */
export function dayClosedSql(s: string, d: string, now: string): string {
  return `((${now})::timestamptz AT TIME ZONE ${s}.time_zone) >= (${d} + ${s}.absence_cutoff::time)`;
}
