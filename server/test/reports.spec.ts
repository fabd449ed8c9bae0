/**
 * Daily and period reports on a seeded district: three schools of one district (plus one in a
 * second district for the province), a month of attendance (November 2026, Monday–Friday, the
 * 20th a holiday) written in one statement from a pattern, excuses and a correction through the
 * API, a transfer through the import and a leaver through the people API, and one late-drained
 * tap over MQTT. Every figure is checked against a count the test makes itself from the same
 * pattern and its own reading of the rules (enrolment that day, school days).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { ManualClock } from '@rfid/protocol';
import { startTestServer, type TestServer } from './support/test-server.js';
import { asAdmin, login, type ApiClient } from './support/api.js';
import { TestGateway } from './support/test-gateway.js';
import { Database } from '../src/db/database.service.js';
import { SchedulerService } from '../src/scheduler/scheduler.service.js';
import { GatewayStatusRepository } from '../src/status/gateway-status.repository.js';

const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const describeWithPdftotext = hasPdftotext ? describe : describe.skip;

const NAMES = [
  'Y Liên',
  'A Sang',
  'Nguyễn Thị Hồng',
  'Trần Văn Đức',
  'Hoàng Thị Thuỷ',
  'Lê Minh Khôi',
  'Phạm Ngọc Ánh',
  'Đinh Văn Hùng',
  'Rơ Châm Ơn',
  'Vũ Thị Yến',
];
const HOLIDAY = '2026-11-20';
const MONTH_DAYS = Array.from({ length: 26 }, (_, i) => `2026-11-${String(i + 2).padStart(2, '0')}`); // 2 … 27 November
const weekday = (d: string) => ((new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
/** The test's own reading of a school day: Monday–Friday, not the holiday, from the school's first day. */
const isSchoolDay = (d: string, startsOn: string) => weekday(d) <= 5 && d !== HOLIDAY && d >= startsOn;

/** Attendance row of student `i` on day `k` (null: no row, so absent once the day closed). */
function pattern(i: number, k: number): 'present' | 'late' | 'absent' | 'excused' | null {
  const h = (i * 7 + k * 3 + ((i * k) % 5)) % 10;
  if (h === 0) return null;
  if (h === 1) return 'absent';
  if (h === 2) return i % 3 === 0 ? 'excused' : 'present';
  if (h === 3 || h === 4) return 'late';
  return 'present';
}

interface Kid {
  id: string;
  i: number;
  name: string;
  schoolId: string;
  classId: string;
  /** Enrolment as the test knows it: [from, to) per school/class. */
  periods: { schoolId: string; classId: string; from: string; to: string }[];
}

describe('reports: a district’s school days, revisions, exports', () => {
  const clock = new ManualClock('2026-11-02T06:00:00+07:00');
  let server: TestServer;
  let admin: ApiClient;
  let db: Database;
  let districtId: string;
  let otherDistrictId: string;
  const schools: {
    id: string;
    code: string;
    name: string;
    classes: { id: string; name: string; grade: number }[];
    startsOn: string;
  }[] = [];
  const kids: Kid[] = [];

  beforeAll(async () => {
    server = await startTestServer({ schedulerIntervalMs: 0 }, { clock });
    admin = await asAdmin(server);
    db = server.app.get(Database);
    districtId = (await admin.post('/districts', { code: 'DH', name: 'Phòng GD&ĐT Đắk Hà' })).body.id;
    otherDistrictId = (await admin.post('/districts', { code: 'NH', name: 'Phòng GD&ĐT Ngọc Hồi' })).body.id;
    const plan = [
      {
        code: 'DH01',
        name: 'Trường THCS Lê Quý Đôn',
        district: districtId,
        classes: ['6A', '7A'],
        startsOn: '2026-11-02',
      },
      {
        code: 'DH02',
        name: 'Trường TH Kim Đồng',
        district: districtId,
        classes: ['6B'],
        startsOn: '2026-11-02',
      },
      {
        code: 'DH03',
        name: 'Trường PTDTBT Đăk Long',
        district: districtId,
        classes: ['8C'],
        startsOn: '2026-09-07',
      },
      {
        code: 'NH01',
        name: 'Trường THCS Nguyễn Du',
        district: otherDistrictId,
        classes: ['9A'],
        startsOn: '2026-11-02',
      },
    ];
    let i = 0;
    for (const p of plan) {
      const s = await admin.post('/schools', {
        districtId: p.district,
        code: p.code,
        name: p.name,
        schoolDays: [1, 2, 3, 4, 5],
        holidays: [HOLIDAY],
        startsOn: p.startsOn,
      });
      if (s.status !== 201) throw new Error(`school ${p.code}: ${s.status} ${JSON.stringify(s.body)}`);
      const classes = [];
      for (const c of p.classes)
        classes.push((await admin.post(`/schools/${s.body.id}/classes`, { name: c })).body);
      schools.push({ id: s.body.id, code: p.code, name: p.name, classes, startsOn: p.startsOn });
      for (const c of classes) {
        for (let n = 0; n < 6; n++, i++) {
          const st = await server.directory.createStudent({
            schoolId: s.body.id,
            classId: c.id,
            studentCode: `${p.code}-${c.name}-${n}`,
            name: `${NAMES[i % NAMES.length]} ${n}`,
          });
          kids.push({
            id: st.id,
            i,
            name: st.name,
            schoolId: s.body.id,
            classId: c.id,
            periods: [{ schoolId: s.body.id, classId: c.id, from: '0000-01-01', to: '9999-12-31' }],
          });
        }
      }
    }
    // A month of attendance, one statement (school DH03 has none: all its days are absences).
    const rows: [string, string, string, string, string, string | null][] = [];
    for (const kid of kids) {
      if (kid.schoolId === schools[2]!.id) continue;
      MONTH_DAYS.forEach((d, k) => {
        const st = pattern(kid.i, k);
        if (st)
          rows.push([
            kid.id,
            d,
            kid.schoolId,
            kid.classId,
            st,
            st === 'late' ? `${d}T07:20:00+07:00` : st === 'present' ? `${d}T06:50:00+07:00` : null,
          ]);
      });
    }
    await db.query(
      `INSERT INTO attendance_days (student_id, date, school_id, class_id, status, first_in)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[])`,
      [0, 1, 2, 3, 4, 5].map((c) => rows.map((r) => r[c])),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Moves the clock and signs in again (access tokens expire by the same clock). */
  const setClock = async (t: string) => {
    clock.set(t);
    admin = await asAdmin(server);
  };

  /** Where the test believes a kid is enrolled on `d`. */
  const placeOn = (kid: Kid, d: string) => kid.periods.find((p) => p.from <= d && d < p.to) ?? null;
  const statusOn = (kid: Kid, d: string): string => {
    if (kid.schoolId === schools[2]!.id && placeOn(kid, d)?.schoolId === schools[2]!.id) return 'absent';
    const k = MONTH_DAYS.indexOf(d);
    return (k >= 0 ? (overrides.get(`${kid.id}/${d}`) ?? pattern(kid.i, k)) : null) ?? 'absent';
  };
  const overrides = new Map<string, string>();

  /** Expected counts of a school's (or class's) day, from the test's own rules. */
  function expectedDay(schoolId: string, d: string, classId?: string) {
    const school = schools.find((s) => s.id === schoolId)!;
    const enrolled = kids.filter((k) => {
      const p = placeOn(k, d);
      return p && p.schoolId === schoolId && (!classId || p.classId === classId);
    });
    const c = { enrolled: enrolled.length, present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
    if (!isSchoolDay(d, school.startsOn)) return c;
    for (const k of enrolled) c[statusOn(k, d) as 'present' | 'late' | 'absent' | 'excused'] += 1;
    return c;
  }

  it('a school day before the school joined, a weekend and a holiday are never absences', async () => {
    await setClock('2026-11-27T10:00:00+07:00');
    const school = schools[0]!;
    for (const d of ['2025-01-01', '2026-11-21', HOLIDAY]) {
      const att = await admin.get(`/schools/${school.id}/attendance?date=${d}`);
      expect(att.status).toBe(200);
      expect(att.body.filter((r: { status: string }) => r.status === 'absent')).toEqual([]);
      const rep = await admin.get(`/schools/${school.id}/reports/daily?date=${d}`);
      expect(rep.body).toMatchObject({ schoolDay: false, totals: { absent: 0, excused: 0, pending: 0 } });
    }
    // A student created through the API today is not enrolled on earlier days.
    const fresh = await admin.post('/students', {
      classId: school.classes[0]!.id,
      studentCode: 'DH01-NEW',
      name: 'Y Nhí',
    });
    expect(fresh.status).toBe(201);
    const before = await admin.get(`/schools/${school.id}/attendance?date=2026-11-26`);
    expect(before.body.map((r: { studentId: string }) => r.studentId)).not.toContain(fresh.body.id);
    const today = await admin.get(`/schools/${school.id}/attendance?date=2026-11-27`);
    expect(today.body.map((r: { studentId: string }) => r.studentId)).toContain(fresh.body.id);
    kids.push({
      id: fresh.body.id,
      i: 999,
      name: 'Y Nhí',
      schoolId: school.id,
      classId: school.classes[0]!.id,
      periods: [
        { schoolId: school.id, classId: school.classes[0]!.id, from: '2026-11-27', to: '9999-12-31' },
      ],
    });
    overrides.set(`${fresh.body.id}/2026-11-27`, 'absent');
  });

  it('a transfer (import) and a leaver (people API) keep their past days where they were', async () => {
    await setClock('2026-11-16T06:00:00+07:00');
    const [a, b] = [schools[0]!, schools[1]!];
    const mover = kids.find((k) => k.schoolId === a.id && k.classId === a.classes[0]!.id)!;
    const code = `${a.code}-${a.classes[0]!.name}-0`;
    const csv = `\uFEFFMã trường,Mã định danh,Họ và tên,Lớp\r\n${b.code},${code},${mover.name},${b.classes[0]!.name}\r\n`;
    const imp = await admin.request('POST', '/imports/students', csv, { 'content-type': 'text/csv' });
    expect(imp.status).toBe(200);
    mover.periods = [
      { schoolId: a.id, classId: a.classes[0]!.id, from: '0000-01-01', to: '2026-11-16' },
      { schoolId: b.id, classId: b.classes[0]!.id, from: '2026-11-16', to: '9999-12-31' },
    ];
    const leaver = kids.find((k) => k.schoolId === a.id && k.classId === a.classes[1]!.id)!;
    expect((await admin.patch(`/students/${leaver.id}`, { active: false })).status).toBe(200);
    leaver.periods = [{ schoolId: a.id, classId: a.classes[1]!.id, from: '0000-01-01', to: '2026-11-16' }];
    const periods = await db.query<{ school_id: string; from_date: string; to_date: string }>(
      `SELECT school_id, from_date::text, to_date::text FROM enrolments WHERE student_id = $1 ORDER BY from_date`,
      [mover.id],
    );
    expect(periods).toEqual([
      { school_id: a.id, from_date: '-infinity', to_date: '2026-11-16' },
      { school_id: b.id, from_date: '2026-11-16', to_date: 'infinity' },
    ]);
    await setClock('2026-11-27T10:00:00+07:00');
  });

  it('a school’s day: totals, classes, absentees and late arrivals match the test’s own count', async () => {
    const a = schools[0]!;
    for (const d of ['2026-11-13', '2026-11-16', '2026-11-27']) {
      const r = await admin.get(`/schools/${a.id}/reports/daily?date=${d}`);
      expect(r.status).toBe(200);
      expect(r.body.totals).toEqual(expectedDay(a.id, d));
      for (const c of a.classes)
        expect(r.body.classes.find((x: { classId: string }) => x.classId === c.id)).toMatchObject({
          name: c.name,
          ...expectedDay(a.id, d, c.id),
        });
      const absent = kids
        .filter((k) => placeOn(k, d)?.schoolId === a.id && ['absent', 'excused'].includes(statusOn(k, d)))
        .map((k) => k.id)
        .sort();
      expect(r.body.absentees.map((x: { studentId: string }) => x.studentId).sort()).toEqual(absent);
      const late = kids
        .filter((k) => placeOn(k, d)?.schoolId === a.id && statusOn(k, d) === 'late')
        .map((k) => k.id)
        .sort();
      expect(r.body.lateArrivals.map((x: { studentId: string }) => x.studentId).sort()).toEqual(late);
      expect(
        r.body.lateArrivals.every(
          (x: { firstIn: string }) =>
            x.firstIn.endsWith('+07:00') && Date.parse(x.firstIn) === Date.parse(`${d}T07:20:00+07:00`),
        ),
      ).toBe(true);
    }
    // The transferred student counts at the new school from the day of the transfer.
    const b = schools[1]!;
    for (const d of ['2026-11-13', '2026-11-16'])
      expect((await admin.get(`/schools/${b.id}/reports/daily?date=${d}`)).body.totals).toEqual(
        expectedDay(b.id, d),
      );
  });

  it('at the report time the day is made and submitted once; a late-drained tap makes revision 2 and the district sees it amended', async () => {
    const a = schools[0]!;
    const d = '2026-11-27';
    await setClock(`${d}T08:59:00+07:00`);
    await server.app.get(SchedulerService).runDue();
    expect((await admin.get(`/schools/${a.id}/reports/daily?date=${d}`)).body).toMatchObject({
      revision: null,
      submittedAt: null,
    });
    await setClock(`${d}T09:00:00+07:00`);
    const ran = await server.app.get(SchedulerService).runDue();
    expect(ran.filter((o) => o.job === 'daily-report' && o.key === `${a.id}:${d}`)).toHaveLength(1);
    expect(await server.app.get(SchedulerService).runDue()).toEqual([]);
    let day = (await admin.get(`/schools/${a.id}/reports/daily?date=${d}`)).body;
    expect(day).toMatchObject({
      revision: 1,
      submittedRevision: 1,
      amended: false,
      submittedAt: `${d}T09:00:00.000+07:00`,
      totals: expectedDay(a.id, d),
    });

    // A gateway drains its backlog at 10:15: a 07:40 tap of a student marked absent.
    const absentKid = kids.find(
      (k) => placeOn(k, d)?.schoolId === a.id && statusOn(k, d) === 'absent' && k.i !== 999,
    )!;
    const card = `em4100:40:04${String(absentKid.i).padStart(8, '0')}`;
    await server.directory.enrolCard({ schoolId: a.id, studentId: absentKid.id, card });
    const creds = await server.devices.register(a.id, 'Cổng chính');
    const gw = await TestGateway.connect(server.mqttUrl, a.id, creds.gatewayId, creds.mqttPassword);
    try {
      await setClock(`${d}T10:15:00+07:00`);
      const tap = gw.tap(card, `${d}T07:40:00+07:00`, { direction: 'in' });
      await gw.publish([tap]);
      await gw.waitAcked([tap.id]);
    } finally {
      await gw.close();
    }
    overrides.set(`${absentKid.id}/${d}`, 'late');
    const ran2 = await server.app.get(SchedulerService).runDue();
    expect(ran2).toContainEqual({ job: 'report-amend', key: '*', result: { amended: 1 } });
    day = (await admin.get(`/schools/${a.id}/reports/daily?date=${d}`)).body;
    expect(day).toMatchObject({
      revision: 2,
      submittedRevision: 1,
      amended: true,
      amendedAt: `${d}T10:15:00.000+07:00`,
      totals: expectedDay(a.id, d),
    });
    const revs = (await admin.get(`/schools/${a.id}/reports/daily/revisions?date=${d}`)).body;
    expect(revs.map((r: { revision: number; cause: string }) => [r.revision, r.cause])).toEqual([
      [1, 'scheduled'],
      [2, 'amended'],
    ]);
    expect(revs[1].changes).toEqual([
      { studentId: absentKid.id, name: absentKid.name, from: 'absent', to: 'late' },
    ]);

    const district = (await admin.get(`/districts/${districtId}/reports/daily?date=${d}`)).body;
    const row = district.schools.find((s: { schoolId: string }) => s.schoolId === a.id);
    expect(row).toMatchObject({ revision: 2, submittedRevision: 1, amended: true, ...expectedDay(a.id, d) });
    expect(district.totals.amended).toBe(1);
  });

  it('a teacher’s excuse of an earlier day amends that day’s submitted report, and only that day', async () => {
    const a = schools[0]!;
    const d = '2026-11-26';
    expect((await admin.post(`/schools/${a.id}/reports/daily/submit`, { date: d })).body).toMatchObject({
      revision: 1,
      submittedRevision: 1,
    });
    const kid = kids.find((k) => placeOn(k, d)?.schoolId === a.id && statusOn(k, d) === 'absent')!;
    const put = await admin.put(`/students/${kid.id}/attendance/${d}`, {
      status: 'excused',
      reason: 'ốm, mẹ xin phép',
    });
    expect(put.status).toBe(200);
    overrides.set(`${kid.id}/${d}`, 'excused');
    await server.app.get(SchedulerService).runDue();
    const day = (await admin.get(`/schools/${a.id}/reports/daily?date=${d}`)).body;
    expect(day).toMatchObject({ revision: 2, amended: true, totals: expectedDay(a.id, d) });
    expect(day.absentees.find((x: { studentId: string }) => x.studentId === kid.id)).toMatchObject({
      status: 'excused',
      reason: 'ốm, mẹ xin phép',
    });
    expect((await admin.get(`/schools/${a.id}/reports/daily?date=2026-11-27`)).body.revision).toBe(2);
  });

  it('the district: per school submitted/when/revision, totals, missing schools; the province per district', async () => {
    const d = '2026-11-27';
    const r = await admin.get(`/districts/${districtId}/reports/daily?date=${d}`);
    expect(r.status).toBe(200);
    const mine = schools.filter((s) => s !== schools[3]);
    // The scheduler ran at 09:00 for every school; each was submitted.
    for (const s of mine)
      expect(r.body.schools.find((x: { schoolId: string }) => x.schoolId === s.id)).toMatchObject({
        name: s.name,
        ...expectedDay(s.id, d),
        submittedAt: `${d}T09:00:00.000+07:00`,
      });
    const sum = (k: 'enrolled' | 'present' | 'late' | 'absent' | 'excused') =>
      mine.reduce((a, s) => a + expectedDay(s.id, d)[k], 0);
    expect(r.body.totals).toMatchObject({
      schools: 3,
      submitted: 3,
      missing: 0,
      enrolled: sum('enrolled'),
      present: sum('present'),
      late: sum('late'),
      absent: sum('absent'),
      excused: sum('excused'),
    });

    // A day nobody submitted: every school with a school day is missing.
    const past = await admin.get(`/districts/${districtId}/reports/daily?date=2026-11-25`);
    expect(past.body.missing.map((m: { schoolId: string }) => m.schoolId).sort()).toEqual(
      mine.map((s) => s.id).sort(),
    );
    expect(past.body.totals).toMatchObject({
      submitted: 0,
      missing: 3,
      absent: mine.reduce((a, s) => a + expectedDay(s.id, '2026-11-25').absent, 0),
    });

    const p = await admin.get(`/reports/daily?date=${d}`);
    expect(p.status).toBe(200);
    expect(
      p.body.districts.map((x: { districtId: string; schools: number }) => [x.districtId, x.schools]),
    ).toEqual([
      [districtId, 3],
      [otherDistrictId, 1],
    ]);
    expect(p.body.totals).toMatchObject({
      schools: 4,
      submitted: 4,
      enrolled: schools.reduce((a, s) => a + expectedDay(s.id, d).enrolled, 0),
    });
  });

  it('terminals offline in a day’s morning window are in that day’s report and the district’s, outages outside it are not', async () => {
    const b = schools[1]!;
    const creds = await server.devices.register(b.id, 'Cổng sau');
    const status = server.app.get(GatewayStatusRepository);
    const gw = { gatewayId: creds.gatewayId, schoolId: b.id };
    const up = (at: string, t2: boolean) =>
      status.record(
        gw,
        {
          online: true,
          version: 'test',
          queue: 0,
          terminals: [
            { id: 'T1', online: true, lastSeen: at },
            { id: 'T2', online: t2, lastSeen: at },
          ],
        },
        new Date(at),
      );
    // 24 Nov: the gateway is down 10:00–11:00, after the window (05:30–09:00 with the 90-minute lead).
    await up('2026-11-24T05:00:00+07:00', true);
    await status.record(gw, { online: false }, new Date('2026-11-24T10:00:00+07:00'));
    await up('2026-11-24T11:00:00+07:00', true);
    // 25 Nov: the whole gateway is down 06:10–06:40 (one row, not one per terminal), and terminal
    // T2 alone 07:30–08:00.
    await status.record(gw, { online: false }, new Date('2026-11-25T06:10:00+07:00'));
    await up('2026-11-25T06:40:00+07:00', true);
    await up('2026-11-25T07:30:00+07:00', false);
    await up('2026-11-25T08:00:00+07:00', true);

    const day = async (d: string) => (await admin.get(`/schools/${b.id}/reports/daily?date=${d}`)).body;
    expect((await day('2026-11-24')).offlineTerminals).toEqual([]);
    expect((await day('2026-11-25')).offlineTerminals).toEqual([
      { gatewayId: creds.gatewayId, terminal: null, lastSeen: '2026-11-25T06:10:00.000+07:00' },
      { gatewayId: creds.gatewayId, terminal: 'T2', lastSeen: '2026-11-25T07:30:00.000+07:00' },
    ]);
    const district = async (d: string) =>
      (await admin.get(`/districts/${districtId}/reports/daily?date=${d}`)).body.schools.find(
        (x: { schoolId: string }) => x.schoolId === b.id,
      ).offlineTerminals;
    expect(await district('2026-11-24')).toBe(0);
    expect(await district('2026-11-25')).toBe(2);
    const province = (await admin.get(`/reports/daily?date=2026-11-25`)).body.districts.find(
      (x: { districtId: string }) => x.districtId === districtId,
    );
    expect(province.offlineTerminals).toBe(2);
  });

  it('period reports: days, present, late, absent (excused apart), rate, chronic, and the promotion flag', async () => {
    const from = '2026-11-02';
    const to = '2026-11-27';
    const days = MONTH_DAYS.filter((d) => d >= from && d <= to);
    const perStudent = (kid: Kid, schoolId: string, classId?: string) => {
      const c = { days: 0, present: 0, late: 0, absentExcused: 0, absentUnexcused: 0 };
      for (const d of days) {
        const p = placeOn(kid, d);
        const school = schools.find((s) => s.id === schoolId)!;
        if (
          !p ||
          p.schoolId !== schoolId ||
          (classId && p.classId !== classId) ||
          !isSchoolDay(d, school.startsOn)
        )
          continue;
        c.days += 1;
        const st = statusOn(kid, d);
        if (st === 'present') c.present += 1;
        else if (st === 'late') c.late += 1;
        else if (st === 'excused') c.absentExcused += 1;
        else c.absentUnexcused += 1;
      }
      return c;
    };
    const r = await admin.get(`/districts/${districtId}/reports/period?from=${from}&to=${to}`);
    expect(r.status).toBe(200);
    for (const s of schools.slice(0, 3)) {
      const list = kids.map((k) => perStudent(k, s.id)).filter((c) => c.days > 0);
      const add = (k: keyof (typeof list)[number]) => list.reduce((a, c) => a + c[k], 0);
      const chronic = list.filter((c) => (c.absentExcused + c.absentUnexcused) * 10 >= c.days).length;
      expect(r.body.rows.find((x: { id: string }) => x.id === s.id)).toEqual({
        id: s.id,
        name: s.name,
        students: list.length,
        days: add('days'),
        present: add('present'),
        late: add('late'),
        absentExcused: add('absentExcused'),
        absentUnexcused: add('absentUnexcused'),
        attendanceRate: Math.round(((add('present') + add('late')) / add('days')) * 10_000) / 10_000,
        chronic,
      });
    }
    // Per student of a class; DH03 has no taps since 7 September: more than 45 sessions absent.
    const c = schools[2]!;
    const cls = await admin.get(`/classes/${c.classes[0]!.id}/reports/period?from=${from}&to=${to}`);
    expect(cls.status).toBe(200);
    let yearDays = 0;
    for (let t = Date.parse('2026-09-07T00:00:00Z'); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
      if (isSchoolDay(new Date(t).toISOString().slice(0, 10), c.startsOn)) yearDays += 1;
    expect(yearDays).toBeGreaterThan(45);
    for (const row of cls.body.rows)
      expect(row).toMatchObject({
        chronic: true,
        absentInSchoolYear: yearDays,
        promotionAtRisk: true,
        attendanceRate: 0,
      });
    const a = schools[0]!;
    const cls6a = (await admin.get(`/classes/${a.classes[0]!.id}/reports/period?from=${from}&to=${to}`)).body;
    for (const kid of kids.filter((k) => k.periods.some((p) => p.classId === a.classes[0]!.id))) {
      const e = perStudent(kid, a.id, a.classes[0]!.id);
      if (!e.days) continue;
      expect(cls6a.rows.find((x: { id: string }) => x.id === kid.id)).toMatchObject({
        ...e,
        chronic: (e.absentExcused + e.absentUnexcused) * 10 >= e.days,
        promotionAtRisk: false,
      });
    }
  });

  it('exports: XLSX and CSV parse back with Vietnamese text and numbers as numbers; exports are audited', async () => {
    const a = schools[0]!;
    const d = '2026-11-27';
    const res = await fetch(`${server.httpUrl}/api/v1/schools/${a.id}/reports/daily?date=${d}&format=xlsx`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(String(ws.getRow(1).getCell(1).value)).toContain(a.name);
    expect(ws.getRow(2).getCell(3).value).toBe('Sĩ số');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const total = expectedDay(a.id, d);
    const schoolRow = ws.getRows(3, ws.rowCount - 2)!.find((r) => r.getCell(1).value === 'Toàn trường')!;
    expect([3, 4, 5, 6, 7].map((n) => schoolRow.getCell(n).value)).toEqual([
      total.enrolled,
      total.present,
      total.late,
      total.absent,
      total.excused,
    ]);
    const names = ws
      .getRows(3, ws.rowCount - 2)!
      .map((r) => r.getCell(9).value)
      .filter(Boolean);
    expect(names.length).toBe(total.absent + total.excused + total.late);

    const csv = await fetch(
      `${server.httpUrl}/api/v1/districts/${districtId}/reports/daily?date=${d}&format=csv`,
      { headers: { authorization: `Bearer ${admin.token}` } },
    );
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse(bytes.toString('utf8').slice(1), { relax_column_count: true }) as string[][];
    expect(records[1]!.slice(0, 3)).toEqual(['Mã trường', 'Trường', 'Sĩ số']);
    const line = records.find((r) => r[0] === a.code)!;
    expect(line[1]).toBe(a.name);
    expect(Number(line[2])).toBe(total.enrolled);
    expect(Number(line[5])).toBe(total.absent);

    const audit = await db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action = 'export.daily_report' AND entity_id = $1`,
      [a.id],
    );
    expect(audit).toHaveLength(1);
  });

  describeWithPdftotext('PDF (text extracted with pdftotext from poppler-utils)', () => {
    it('a school’s day has the school’s name and totals', async () => {
      const a = schools[0]!;
      const d = '2026-11-27';
      const res = await fetch(`${server.httpUrl}/api/v1/schools/${a.id}/reports/daily?date=${d}&format=pdf`, {
        headers: { authorization: `Bearer ${admin.token}` },
      });
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const dir = mkdtempSync(path.join(tmpdir(), 'report-pdf-'));
      const file = path.join(dir, 'day.pdf');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
      expect(text).toContain(a.name.toUpperCase());
      expect(text).toContain('Ngày 27/11/2026');
      const t = expectedDay(a.id, d);
      expect(text).toMatch(
        new RegExp(
          `Toàn trường\\s+${t.enrolled}\\s+${t.present}\\s+${t.late}\\s+${t.absent}\\s+${t.excused}`,
        ),
      );
      // The PDF names students (absentees, late arrivals): its export is audited like the others.
      const audit = await db.query<{ details: { format: string; date: string } }>(
        `SELECT details FROM audit_log WHERE action = 'export.daily_report' AND entity_id = $1 AND details->>'format' = 'pdf'`,
        [a.id],
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({ format: 'pdf', date: d });
    });
  });

  it('scope and bad input: a teacher sees their class; another district 404; bad dates and ids 4xx', async () => {
    const a = schools[0]!;
    const d = '2026-11-27';
    const pw = 'rep0rts-Teacher-pw!';
    await admin.post('/users', {
      username: 'gv.reports',
      password: pw,
      role: 'teacher',
      schoolId: a.id,
      classIds: [a.classes[1]!.id],
    });
    await admin.post('/users', {
      username: 'pgd.ngochoi',
      password: pw,
      role: 'district',
      districtId: otherDistrictId,
    });
    const teacher = await login(server, 'gv.reports', pw);
    const t = await teacher.get(`/schools/${a.id}/reports/daily?date=${d}`);
    expect(t.status).toBe(200);
    expect(t.body.classes.map((c: { classId: string }) => c.classId)).toEqual([a.classes[1]!.id]);
    expect(t.body.totals).toEqual(expectedDay(a.id, d, a.classes[1]!.id));
    expect((await teacher.get(`/districts/${districtId}/reports/daily?date=${d}`)).status).toBe(404);
    const other = await login(server, 'pgd.ngochoi', pw);
    expect((await other.get(`/districts/${districtId}/reports/daily?date=${d}`)).status).toBe(404);
    expect((await other.get(`/reports/daily?date=${d}`)).status).toBe(403);
    for (const q of ['date=2026-13-01', 'date=27/11/2026', '', `date=${d}&format=doc`])
      expect((await admin.get(`/districts/${districtId}/reports/daily?${q}`)).status).toBe(400);
    expect(
      (await admin.get(`/districts/${districtId}/reports/period?from=2026-11-27&to=2026-11-01`)).status,
    ).toBe(400);
    expect((await admin.get(`/schools/not-a-uuid/reports/daily?date=${d}`)).status).toBeLessThan(500);
    expect((await admin.post(`/schools/${a.id}/reports/daily/submit`, { date: '2026-12-25' })).status).toBe(
      400,
    );
    expect((await admin.post(`/schools/${a.id}/reports/daily/submit`, { date: HOLIDAY })).status).toBe(400);
  });
});
