/**
 * Daily and period reports: the rules around the figures the repository counts. A school's day is
 * stored as numbered revisions; a change after the report was made (a late-drained tap, a
 * teacher's correction, a later excuse) makes a new revision with what changed, and once
 * submitted the district sees it as amended, never a silent change.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  DEFAULT_TIME_ZONE,
  toRfc3339,
  zonedTime,
  type Clock,
  type DistrictDailyReport,
  type PeriodReport,
  type ReportDeliveries,
  type SchoolDailyReport,
} from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { Database, type SqlClient } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { ScopeService } from '../auth/scope.service.js';
import type { Caller } from '../auth/caller.js';
import {
  ReportsRepository,
  type ClassCountsRow,
  type CountsRow,
  type PeriodDbRow,
  type RevisionRow,
} from './reports.repository.js';
import { REPORT_MAILER, type ReportMailer, type ReportSubmission } from './report-delivery.js';
import {
  ReportDeliveriesRepository,
  type DeliveryRow,
  type NewDelivery,
} from './report-deliveries.repository.js';

const counts = (r: CountsRow): CountsRow => ({
  enrolled: r.enrolled,
  present: r.present,
  late: r.late,
  absent: r.absent,
  excused: r.excused,
  pending: r.pending,
});
const ZERO: CountsRow = { enrolled: 0, present: 0, late: 0, absent: 0, excused: 0, pending: 0 };

/** Students whose status differs between two revisions' status maps (absent from a map = present on time). */
export function statusChanges(
  before: Record<string, string>,
  after: Record<string, string>,
): { studentId: string; from: string; to: string }[] {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: { studentId: string; from: string; to: string }[] = [];
  for (const id of ids) {
    const from = before[id] ?? 'present';
    const to = after[id] ?? 'present';
    if (from !== to) out.push({ studentId: id, from, to });
  }
  return out;
}

function sameCounts(a: CountsRow, b: CountsRow): boolean {
  return (
    a.enrolled === b.enrolled &&
    a.present === b.present &&
    a.late === b.late &&
    a.absent === b.absent &&
    a.excused === b.excused &&
    a.pending === b.pending
  );
}

/** First day of the Vietnamese school year (1 September) that contains `date`. */
export function schoolYearStart(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return `${m >= 9 ? y : y - 1}-09-01`;
}

function rate(present: number, late: number, days: number): number | null {
  return days > 0 ? Math.round(((present + late) / days) * 10_000) / 10_000 : null;
}

export interface RevisionOutcome {
  revision: number;
  created: boolean;
  submitted: boolean;
}

function deliveryStatus(d: DeliveryRow, tz: string) {
  const at = (x: Date | null) => (x ? toRfc3339(x, tz) : null);
  return {
    revision: d.revision,
    target: d.target,
    status: d.status,
    attempts: d.attempts,
    sentAt: at(d.sent_at),
    failedAt: at(d.failed_at),
    nextAttemptAt: d.status === 'pending' ? at(d.next_attempt_at) : null,
    lastError: d.last_error,
  };
}

@Injectable()
export class ReportsService {
  private readonly log: Logger;

  constructor(
    private readonly repo: ReportsRepository,
    private readonly deliveries: ReportDeliveriesRepository,
    private readonly db: Database,
    private readonly scope: ScopeService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
    @Inject(SERVER_CONFIG) private readonly config: Pick<ServerConfig, 'alertLeadMin'>,
    @Optional() @Inject(REPORT_MAILER) private readonly mailer: ReportMailer | null = null,
  ) {
    this.log = logger.child({ component: 'reports' });
  }

  // ---- a school's day

  /** The school's day as the caller may see it (a teacher: their classes only). */
  async schoolDay(caller: Caller | null, schoolId: string, date: string): Promise<SchoolDailyReport> {
    let classIds: string[] | null = null;
    if (caller) {
      const access = await this.scope.require(caller, 'school', schoolId, {
        partialOk: caller.role === 'teacher',
      });
      if (access === 'partial') classIds = caller.classIds;
    }
    return (await this.build(schoolId, date, classIds)).report;
  }

  /** The day's report and the status map stored with a revision (every enrolled student not present on time). */
  private async build(
    schoolId: string,
    date: string,
    classIds: string[] | null,
  ): Promise<{ report: SchoolDailyReport; statuses: Record<string, string> }> {
    const now = this.clock.now();
    const head = await this.repo.schoolHead(schoolId, date, now);
    if (!head) throw new DomainError('not_found', `school ${schoolId} not found`);
    const today = zonedTime(now, head.time_zone).date;
    const [groups, students, unknown, offline] = await Promise.all([
      this.repo.schoolCounts(schoolId, date, now, classIds),
      this.repo.studentsNotOnTime(schoolId, date, now, classIds),
      classIds ? Promise.resolve([]) : this.repo.unknownCards(schoolId, date),
      this.repo.offlineTerminals(schoolId, date, now, this.config.alertLeadMin),
    ]);
    const tz = head.time_zone;
    const at = (d: Date | null) => (d ? toRfc3339(d, tz) : null);
    const total = groups.find((g) => g.level === 'total');
    const studentRow = (s: (typeof students)[number]) => ({
      studentId: s.student_id,
      name: s.name,
      classId: s.class_id,
      className: s.class_name,
      status: s.status,
      firstIn: at(s.first_in),
      reason: s.note,
    });
    let offlineTerminals = offline.map((t) => ({
      gatewayId: t.gateway_id,
      terminal: t.terminal,
      lastSeen: at(t.last_seen),
    }));
    // The outage history is kept for RETENTION (privacy/retention): an older day shows what its
    // latest revision stored.
    if (!offlineTerminals.length && date < today && head.revision) {
      const [stored] = await this.db.query<{ offline_terminals: SchoolDailyReport['offlineTerminals'] }>(
        'SELECT offline_terminals FROM daily_report_revisions WHERE school_id = $1 AND date = $2::date AND revision = $3',
        [schoolId, date, head.revision],
      );
      offlineTerminals = stored?.offline_terminals ?? [];
    }
    const statuses: Record<string, string> = {};
    for (const s of students) statuses[s.student_id] = s.status;
    const report: SchoolDailyReport = {
      schoolId,
      name: head.name,
      districtId: head.district_id,
      districtName: head.district_name,
      date,
      timeZone: tz,
      schoolDay: head.open,
      closed: head.closed,
      totals: total ? counts(total) : { ...ZERO },
      classes: groups
        .filter((g): g is ClassCountsRow & { class_id: string; name: string } => g.level === 'class')
        .map((g) => ({ classId: g.class_id, name: g.name, grade: g.grade, ...counts(g) })),
      grades: groups.filter((g) => g.level === 'grade').map((g) => ({ grade: g.grade, ...counts(g) })),
      absentees: students.filter((s) => s.status === 'absent' || s.status === 'excused').map(studentRow),
      lateArrivals: students.filter((s) => s.status === 'late').map(studentRow),
      unknownCards: unknown.map((u) => ({
        card: u.card,
        taps: u.taps,
        firstAt: at(u.first_at)!,
        lastAt: at(u.last_at)!,
        terminals: u.terminals,
      })),
      offlineTerminals,
      revision: head.revision || null,
      madeAt: head.revision ? at(head.made_at) : null,
      submittedAt: at(head.submitted_at),
      submittedRevision: head.submitted_revision,
      amended: head.submitted_revision !== null && (head.revision ?? 0) > head.submitted_revision,
      amendedAt: at(head.amended_at),
    };
    return { report, statuses };
  }

  async revisions(
    caller: Caller,
    schoolId: string,
    date: string,
  ): Promise<
    {
      revision: number;
      madeAt: string;
      cause: RevisionRow['cause'];
      totals: CountsRow;
      changes: RevisionRow['changes'];
    }[]
  > {
    await this.scope.require(caller, 'school', schoolId);
    const head = await this.repo.schoolHead(schoolId, date, this.clock.now());
    const rows = await this.repo.revisions(schoolId, date);
    return rows.map((r) => ({
      revision: r.revision,
      madeAt: toRfc3339(r.made_at, head!.time_zone),
      cause: r.cause,
      totals: r.totals,
      changes: r.changes,
    }));
  }

  /**
   * Store the school's day as a new revision when it differs from the latest (or there is none);
   * submit it to the district when `submitBy` is given and it is not submitted yet.
   */
  async makeRevision(
    schoolId: string,
    date: string,
    cause: RevisionRow['cause'],
    submitBy?: string,
  ): Promise<RevisionOutcome> {
    const { report, statuses } = await this.build(schoolId, date, null);
    const now = this.clock.now();
    const outcome = await this.db.transaction(async (c) => {
      await this.repo.lockHead(c, schoolId, date, now);
      const latest = await this.repo.latestRevision(c, schoolId, date);
      const before = await this.repo.submission(c, schoolId, date);
      const changes = latest ? statusChanges(latest.statuses, statuses) : [];
      let revision = latest?.revision ?? 0;
      let created = false;
      if (!latest || changes.length || !sameCounts(latest.totals, report.totals)) {
        revision += 1;
        created = true;
        const names = await this.repo.studentNames(changes.map((x) => x.studentId));
        await this.repo.insertRevision(c, {
          schoolId,
          date,
          revision,
          madeAt: now,
          cause: latest && cause === 'scheduled' ? 'amended' : cause,
          totals: report.totals,
          classes: report.classes,
          statuses,
          offline: report.offlineTerminals,
          changes: changes.map((x) => ({ ...x, name: names.get(x.studentId) ?? '' })),
        });
      }
      const submitted = submitBy ? await this.repo.markSubmitted(c, schoolId, date, now, submitBy) : false;
      // Every submission and every amendment of a submitted day goes to the district, durably:
      // its deliveries are written here, in the transaction that makes the revision.
      if (submitted || (created && before)) {
        const submittedAt = before?.submitted_at ?? now;
        const submission: ReportSubmission = {
          event: submitted ? 'daily_report.submitted' : 'daily_report.amended',
          districtId: report.districtId,
          schoolId,
          schoolName: report.name,
          date,
          revision,
          submittedAt: toRfc3339(submittedAt, report.timeZone),
          totals: report.totals,
          changes,
        };
        const submittedRevision = before?.submitted_revision ?? revision;
        await this.enqueueDeliveries(c, submission, now, {
          ...report,
          revision,
          madeAt: created ? toRfc3339(now, report.timeZone) : report.madeAt,
          submittedAt: toRfc3339(submittedAt, report.timeZone),
          submittedRevision,
          amended: revision > submittedRevision,
          amendedAt: submitted ? report.amendedAt : toRfc3339(now, report.timeZone),
        });
      }
      return { revision, created, submitted };
    });
    return { revision: outcome.revision, created: outcome.created, submitted: outcome.submitted };
  }

  /** The principal submits the day (today or a past day; never a future one). */
  async submit(caller: Caller, schoolId: string, date: string): Promise<SchoolDailyReport> {
    await this.scope.require(caller, 'school', schoolId);
    const head = await this.repo.schoolHead(schoolId, date, this.clock.now());
    if (!head) throw new DomainError('not_found', `school ${schoolId} not found`);
    if (date > zonedTime(this.clock.now(), head.time_zone).date)
      throw new DomainError('bad_request', `date: ${date} is in the future`);
    if (!head.open) throw new DomainError('bad_request', `date: ${date} is not a school day of this school`);
    await this.makeRevision(schoolId, date, 'submitted', caller.username);
    return this.schoolDay(caller, schoolId, date);
  }

  // ---- district and province

  async districtDay(caller: Caller, districtId: string, date: string): Promise<DistrictDailyReport> {
    await this.scope.require(caller, 'district', districtId);
    const name = await this.repo.districtName(districtId);
    const [rows, pushes] = await Promise.all([
      this.repo.districtDay(districtId, date, this.clock.now(), this.config.alertLeadMin),
      this.deliveries.latestForDistrictDay(districtId, date),
    ]);
    const total = rows.find((r) => r.school_id === null);
    const schools = rows.filter((r) => r.school_id !== null);
    const tz = await this.districtTimeZone(districtId);
    const bySchool = new Map<string, DeliveryRow[]>();
    for (const d of pushes) bySchool.set(d.school_id, [...(bySchool.get(d.school_id) ?? []), d]);
    return {
      districtId,
      name: name ?? '',
      date,
      totals: {
        ...(total ? counts(total) : ZERO),
        schools: total?.schools ?? 0,
        submitted: total?.submitted ?? 0,
        missing: total?.missing ?? 0,
        amended: total?.amended_count ?? 0,
      },
      schools: schools.map((r) => ({
        schoolId: r.school_id!,
        name: r.name!,
        code: r.code!,
        schoolDay: r.school_day ?? false,
        ...counts(r),
        submittedAt: r.submitted_at ? toRfc3339(r.submitted_at, tz) : null,
        revision: r.revision || null,
        submittedRevision: r.submitted_revision,
        amended: r.amended,
        offlineTerminals: r.offline_terminals,
        delivery: (bySchool.get(r.school_id!) ?? []).map((d) => deliveryStatus(d, tz)),
      })),
      missing: schools
        .filter((r) => r.school_day && !r.submitted_at)
        .map((r) => ({ schoolId: r.school_id!, name: r.name! })),
    };
  }

  /** Every push of the district's submissions of the day (webhook, e-mail), with attempts and errors. */
  async deliveriesOf(caller: Caller, districtId: string, date: string): Promise<ReportDeliveries> {
    await this.scope.require(caller, 'district', districtId);
    const rows = await this.deliveries.forDistrictDay(districtId, date);
    const tz = await this.districtTimeZone(districtId);
    return {
      districtId,
      date,
      deliveries: rows.map((d) => ({
        ...deliveryStatus(d, tz),
        id: d.id,
        schoolId: d.school_id,
        schoolName: d.school_name,
        event: d.event,
        address: d.address,
        lastStatus: d.last_status,
        createdAt: toRfc3339(d.created_at, tz),
      })),
    };
  }

  async provinceDay(date: string) {
    const rows = await this.repo.provinceDay(date, this.clock.now(), this.config.alertLeadMin);
    const total = rows.find((r) => r.district_id === null);
    return {
      date,
      totals: {
        ...(total ? counts(total) : ZERO),
        schools: total?.schools ?? 0,
        submitted: total?.submitted ?? 0,
        missing: total?.missing ?? 0,
        amended: total?.amended ?? 0,
      },
      districts: rows
        .filter((r) => r.district_id !== null)
        .map((r) => ({
          districtId: r.district_id!,
          name: r.name!,
          ...counts(r),
          schools: r.schools,
          submitted: r.submitted,
          missing: r.missing,
          amended: r.amended,
          offlineTerminals: r.offline_terminals,
        })),
    };
  }

  /** Times are shown in the district's zone: that of its first school, else the default. */
  private async districtTimeZone(districtId: string): Promise<string> {
    const [r] = await this.db.query<{ time_zone: string }>(
      'SELECT time_zone FROM schools WHERE district_id = $1 ORDER BY code LIMIT 1',
      [districtId],
    );
    return r?.time_zone ?? DEFAULT_TIME_ZONE;
  }

  // ---- periods

  async period(
    caller: Caller,
    level: PeriodReport['level'],
    id: string,
    from: string,
    to: string,
  ): Promise<PeriodReport> {
    await this.scope.require(caller, level, id);
    if (to < from) throw new DomainError('bad_request', 'to: must not be before from');
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
    if (days > 400) throw new DomainError('bad_request', 'from/to: at most 400 days (a school year)');
    const table = level === 'district' ? 'districts' : level === 'school' ? 'schools' : 'classes';
    const [named] = await this.db.query<{ name: string }>(`SELECT name FROM ${table} WHERE id = $1`, [id]);
    const rows = await this.repo.period({
      level,
      id,
      from,
      to,
      now: this.clock.now(),
      yearFrom: schoolYearStart(to),
    });
    const total = rows.find((r) => r.id === null);
    const base = (r: PeriodDbRow) => ({
      days: r.days,
      present: r.present,
      late: r.late,
      absentExcused: r.absent_excused,
      absentUnexcused: r.absent_unexcused,
      attendanceRate: rate(r.present, r.late, r.days),
    });
    return {
      level,
      id,
      name: named?.name ?? '',
      from,
      to,
      totals: {
        ...base(
          total ?? {
            id: null,
            name: null,
            students: 0,
            days: 0,
            present: 0,
            late: 0,
            absent_excused: 0,
            absent_unexcused: 0,
            chronic: 0,
          },
        ),
        students: total?.students ?? 0,
        chronic: total?.chronic ?? 0,
      },
      rows: rows
        .filter((r) => r.id !== null)
        .map((r) =>
          level === 'class'
            ? {
                id: r.id!,
                name: r.name!,
                classId: r.class_id!,
                ...base(r),
                chronic: r.chronic > 0,
                absentInSchoolYear: r.absent_in_year ?? 0,
                promotionAtRisk: (r.absent_in_year ?? 0) > 45,
              }
            : { id: r.id!, name: r.name!, students: r.students, ...base(r), chronic: r.chronic },
        ),
    };
  }

  // ---- scheduled work (called by the scheduler under a job claim)

  /** Schools whose report time has passed today without a submitted report. */
  dueReports(): Promise<{ school_id: string; date: string }[]> {
    return this.repo.dueReports(this.clock.now());
  }

  /** Recompute the school-days whose attendance changed after their report; a new revision where the figures moved. */
  async amendChanged(limit = 200): Promise<number> {
    let amended = 0;
    for (const d of await this.repo.takeDirty(limit)) {
      try {
        if ((await this.makeRevision(d.school_id, d.date, 'amended')).created) amended += 1;
      } catch (e) {
        this.log.error({ err: e, schoolId: d.school_id, date: d.date }, 'report amendment failed');
      }
    }
    return amended;
  }

  async setDelivery(
    caller: Caller,
    districtId: string,
    d: { webhookUrl: string | null; webhookSecret: string | null; email: string | null },
  ): Promise<void> {
    await this.scope.require(caller, 'district', districtId);
    await this.repo.setDistrictDelivery(districtId, d);
  }

  /** One delivery per configured target of the school's district (e-mail only when this server can mail). */
  private async enqueueDeliveries(
    c: SqlClient,
    s: ReportSubmission,
    now: Date,
    report: SchoolDailyReport,
  ): Promise<void> {
    const t = await this.deliveries.targets(c, s.schoolId);
    const targets: NewDelivery[] = [];
    if (t?.webhook_url) targets.push({ target: 'webhook', address: t.webhook_url, report: null });
    if (t?.email && this.mailer) targets.push({ target: 'email', address: t.email, report });
    await this.deliveries.enqueue(c, s, now, targets);
  }
}
