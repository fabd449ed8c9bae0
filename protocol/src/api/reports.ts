/**
 * Response bodies of the report endpoints (CONTRACT §4), shared by the server (OpenAPI, tests)
 * and the web. Counts are of students on one school day: `present` came on time, `late` came
 * late, `absent` is absent without permission (vắng không phép), `excused` absent with
 * permission (vắng có phép), `pending` not yet decided (before the absence cut-off).
 */
import { z } from 'zod';

export const DayCounts = z.object({
  enrolled: z.number().int(),
  present: z.number().int(),
  late: z.number().int(),
  absent: z.number().int(),
  excused: z.number().int(),
  pending: z.number().int(),
});
export type DayCounts = z.infer<typeof DayCounts>;

const isoDateTime = z.string().nullable();

export const ClassDayRow = DayCounts.extend({
  classId: z.string(),
  name: z.string(),
  grade: z.number().int().nullable(),
});
export const GradeDayRow = DayCounts.extend({ grade: z.number().int().nullable() });

export const StudentDayRow = z.object({
  studentId: z.string(),
  name: z.string(),
  classId: z.string(),
  className: z.string(),
  status: z.enum(['late', 'absent', 'excused', 'pending']),
  firstIn: isoDateTime,
  reason: z.string().nullable(),
});

export const UnknownCardRow = z.object({
  card: z.string(),
  taps: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
  terminals: z.array(z.string()),
});
export const OfflineTerminalRow = z.object({
  gatewayId: z.string(),
  terminal: z.string().nullable(),
  lastSeen: isoDateTime,
});

export const ReportChange = z.object({
  studentId: z.string(),
  name: z.string(),
  from: z.string(),
  to: z.string(),
});

/** `GET /schools/{id}/reports/daily?date=` */
export const SchoolDailyReport = z.object({
  schoolId: z.string(),
  name: z.string(),
  districtId: z.string(),
  districtName: z.string(),
  date: z.string(),
  timeZone: z.string(),
  /** False on a weekend, a holiday or before the school's first day: nothing counts as absent. */
  schoolDay: z.boolean(),
  /** True once the absence cut-off of the day has passed. */
  closed: z.boolean(),
  totals: DayCounts,
  classes: z.array(ClassDayRow),
  grades: z.array(GradeDayRow),
  absentees: z.array(StudentDayRow),
  lateArrivals: z.array(StudentDayRow),
  unknownCards: z.array(UnknownCardRow),
  offlineTerminals: z.array(OfflineTerminalRow),
  /** Latest stored revision (null: never made). */
  revision: z.number().int().nullable(),
  madeAt: isoDateTime,
  submittedAt: isoDateTime,
  submittedRevision: z.number().int().nullable(),
  /** A revision newer than the submitted one exists (late taps, corrections, excuses). */
  amended: z.boolean(),
  amendedAt: isoDateTime,
});
export type SchoolDailyReport = z.infer<typeof SchoolDailyReport>;

export const ReportRevision = z.object({
  revision: z.number().int(),
  madeAt: z.string(),
  cause: z.enum(['scheduled', 'on_demand', 'submitted', 'amended']),
  totals: DayCounts,
  changes: z.array(ReportChange),
});
export const ReportRevisions = z.array(ReportRevision);

/** One push of a school's submitted revision to the district (`report_deliveries`). */
export const ReportDeliveryStatus = z.object({
  revision: z.number().int(),
  target: z.enum(['webhook', 'email']),
  status: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number().int(),
  sentAt: isoDateTime,
  failedAt: isoDateTime,
  nextAttemptAt: isoDateTime,
  lastError: z.string().nullable(),
});

/** `GET /districts/{id}/reports/deliveries?date=`: every delivery of the day, by school, revision, target. */
export const ReportDelivery = ReportDeliveryStatus.extend({
  id: z.string(),
  schoolId: z.string(),
  schoolName: z.string(),
  event: z.enum(['daily_report.submitted', 'daily_report.amended']),
  address: z.string(),
  lastStatus: z.number().int().nullable(),
  createdAt: z.string(),
});
export const ReportDeliveries = z.object({
  districtId: z.string(),
  date: z.string(),
  deliveries: z.array(ReportDelivery),
});
export type ReportDeliveries = z.infer<typeof ReportDeliveries>;

/** One row of `GET /districts/{id}/reports/daily?date=` */
export const DistrictDailyRow = DayCounts.extend({
  schoolId: z.string(),
  name: z.string(),
  code: z.string(),
  schoolDay: z.boolean(),
  submittedAt: isoDateTime,
  revision: z.number().int().nullable(),
  submittedRevision: z.number().int().nullable(),
  amended: z.boolean(),
  offlineTerminals: z.number().int(),
  /** The pushes of the school's latest delivered revision (empty: none configured or none yet). */
  delivery: z.array(ReportDeliveryStatus),
});
export const DistrictDailyReport = z.object({
  districtId: z.string(),
  name: z.string(),
  date: z.string(),
  totals: DayCounts.extend({
    schools: z.number().int(),
    submitted: z.number().int(),
    missing: z.number().int(),
    amended: z.number().int(),
  }),
  schools: z.array(DistrictDailyRow),
  /** Schools with a school day whose report is not submitted. */
  missing: z.array(z.object({ schoolId: z.string(), name: z.string() })),
});
export type DistrictDailyReport = z.infer<typeof DistrictDailyReport>;

/** One row of `GET /reports/daily?date=` (the province). */
export const ProvinceDailyRow = DayCounts.extend({
  districtId: z.string(),
  name: z.string(),
  schools: z.number().int(),
  submitted: z.number().int(),
  missing: z.number().int(),
  amended: z.number().int(),
  offlineTerminals: z.number().int(),
});
export const ProvinceDailyReport = z.object({
  date: z.string(),
  totals: DayCounts.extend({
    schools: z.number().int(),
    submitted: z.number().int(),
    missing: z.number().int(),
    amended: z.number().int(),
  }),
  districts: z.array(ProvinceDailyRow),
});
export type ProvinceDailyReport = z.infer<typeof ProvinceDailyReport>;

/** Figures of a period (school days in `[from, to]` that have closed). */
export const PeriodCounts = z.object({
  /** Student-days counted (one per enrolled student per school day). */
  days: z.number().int(),
  present: z.number().int(),
  late: z.number().int(),
  absentExcused: z.number().int(),
  absentUnexcused: z.number().int(),
  /** (present + late) / days, 0–1, 4 decimals; null without days. */
  attendanceRate: z.number().nullable(),
});
export const PeriodGroupRow = PeriodCounts.extend({
  id: z.string(),
  name: z.string(),
  students: z.number().int(),
  /** Students absent on ≥ 10 % of their school days (excused or not). */
  chronic: z.number().int(),
});
export const PeriodStudentRow = PeriodCounts.extend({
  id: z.string(),
  name: z.string(),
  classId: z.string(),
  chronic: z.boolean(),
  /** Absent days in the school year up to `to` (one session a day). */
  absentInSchoolYear: z.number().int(),
  /** Absent more than 45 sessions in the school year (the promotion rule). */
  promotionAtRisk: z.boolean(),
});
export const PeriodReport = z.object({
  level: z.enum(['district', 'school', 'class']),
  id: z.string(),
  name: z.string(),
  from: z.string(),
  to: z.string(),
  totals: PeriodCounts.extend({ students: z.number().int(), chronic: z.number().int() }),
  /** Per school (district), per class (school) or per student (class). */
  rows: z.array(z.union([PeriodGroupRow, PeriodStudentRow])),
});
export type PeriodReport = z.infer<typeof PeriodReport>;
