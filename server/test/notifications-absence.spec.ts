/**
 * Absence alerts through the reports' enrolment and school-day functions (`school_day()`,
 * `enrolments`): the scheduler's absence job at the school's cut-off (07:00 here) and the worker's
 * check when the message is about to go, with the injected clock at 06:59 / 07:01. Only a student
 * enrolled that day, on a school day, not excused and without a tap gets one; each guardian once.
 * The guardians' channel is the school's webhook (provider-sim's `CallbackRecorder`).
 */
import { ManualClock } from '@rfid/protocol';
import { CallbackRecorder } from '@rfid/provider-sim';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { asAdmin } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { NotificationsService } from '../src/notifications/notifications.service.js';
import { SchedulerService } from '../src/scheduler/scheduler.service.js';

const SECRET = 'absence-webhook-secret-2c7d1f';

describe('absence alerts through the enrolment and school-day functions', () => {
  const clock = new ManualClock('2026-11-23T06:00:00+07:00'); // Monday: the roster is entered
  let server: TestServer;
  let db: Database;
  let hook: CallbackRecorder;
  let school: SeededSchool;
  let gw: TestGateway;
  let notifications: NotificationsService;
  let scheduler: SchedulerService;
  /** Guardian of student i. */
  const guardianOf: string[] = [];
  let transferIn: { id: string; guardian: string };

  const at = (date: string, hhmm: string) => `${date}T${hhmm}:00+07:00`;
  const admin = () => asAdmin(server); // tokens expire by the injected clock

  /** Guardians told of an absence on `day` (each notification id once). */
  const told = (day: string): string[] => {
    const ids = new Set<string>();
    const out: string[] = [];
    for (const r of hook.received) {
      const body = JSON.parse(r.rawBody.toString('utf8')) as {
        id: string;
        event: string;
        guardian: { id: string };
        params: { date: string };
      };
      const [y, m, d] = day.split('-');
      if (body.event !== 'absent' || body.params.date !== `${d}/${m}/${y}` || ids.has(body.id)) continue;
      ids.add(body.id);
      out.push(body.guardian.id);
    }
    return out.sort();
  };
  const absenceJobs = async (when: string) => {
    clock.set(when);
    const ran = await scheduler.runDue();
    return ran.filter((o) => o.job === 'absence' && o.key.startsWith(school.schoolId));
  };
  const outcomes = (day: string) =>
    db.query<{ guardian_id: string; status: string; last_error: string | null }>(
      `SELECT guardian_id, status, last_error FROM notification_outbox WHERE school_id = $1 AND day = $2 AND event = 'absent' ORDER BY guardian_id`,
      [school.schoolId, day],
    );

  async function guardian(studentId: string, i: number): Promise<string> {
    const g = await server.directory.addGuardian(studentId, {
      name: `Phụ huynh ${i}`,
      phone: `09130000${10 + i}`,
      channels: ['webhook'],
    });
    const r = await (
      await admin()
    ).post(`/guardians/${g.id}/consents`, { channels: ['webhook'], granted: true, method: 'paper_form' });
    if (r.status !== 201) throw new Error(`consent: ${r.status} ${JSON.stringify(r.body)}`);
    return g.id;
  }

  beforeAll(async () => {
    hook = await new CallbackRecorder().start();
    server = await startTestServer({ notifyWorker: false, schedulerIntervalMs: 0 }, { clock });
    db = server.app.get(Database);
    notifications = server.app.get(NotificationsService);
    scheduler = server.app.get(SchedulerService);
    school = await seedSchool(server.directory, 4);
    await db.query(`UPDATE schools SET absence_cutoff = '07:00' WHERE id = $1`, [school.schoolId]);
    const reg = await (
      await admin()
    ).put(`/schools/${school.schoolId}/webhook`, { url: hook.url('/school'), secret: SECRET });
    if (reg.status !== 200) throw new Error(`webhook: ${reg.status}`);
    for (const [i, s] of school.students.entries()) guardianOf.push(await guardian(s.id, i));
    // A student who joins on Wednesday 25/11 (entered with the clock on that day).
    clock.set(at('2026-11-25', '06:00'));
    const created = await (
      await admin()
    ).post('/students', {
      classId: school.classId,
      studentCode: `${school.schoolId.slice(0, 6)}-new`,
      name: 'Y Liên',
    });
    if (created.status !== 201) throw new Error(`student: ${created.status} ${JSON.stringify(created.body)}`);
    const joined = created.body as { id: string };
    clock.set(at('2026-11-23', '06:00'));
    transferIn = { id: joined.id, guardian: await guardian(joined.id, 9) };
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
    await hook?.stop();
  });

  it('Tuesday: nothing at 06:59; at 07:01 only the enrolled, unexcused student without a tap', async () => {
    const day = '2026-11-24';
    // Student 1 taps; student 2 is excused by the teacher; student 3 leaves the school today.
    clock.set(at(day, '06:40'));
    const tap = gw.tap(school.students[1]!.card, at(day, '06:40'));
    await gw.publish([tap]);
    await gw.waitAcked([tap.id]);
    const ex = await (
      await admin()
    ).put(`/students/${school.students[2]!.id}/attendance/${day}`, {
      status: 'excused',
      reason: 'ốm, mẹ xin phép',
    });
    expect(ex.status).toBe(200);
    const left = await (await admin()).patch(`/students/${school.students[3]!.id}`, { active: false });
    expect(left.status).toBe(200);

    expect(await absenceJobs(at(day, '06:59'))).toEqual([]);
    await notifications.worker.drainAll();
    expect(told(day)).toEqual([]);

    const jobs = await absenceJobs(at(day, '07:01'));
    expect(jobs.map((j) => j.result)).toEqual([{ absent: 1, notifications: 1 }]);
    await notifications.worker.drainAll();
    expect(told(day)).toEqual([guardianOf[0]]); // not the one who joins tomorrow, nor the leaver
    // A second tick, and a second drain: nothing more.
    expect(await absenceJobs(at(day, '07:02'))).toEqual([]);
    await notifications.worker.drainAll();
    expect(told(day)).toEqual([guardianOf[0]]);
    expect(await outcomes(day)).toEqual([{ guardian_id: guardianOf[0], status: 'sent', last_error: null }]);
  });

  it('a holiday and a weekend: no absence job, no alert', async () => {
    await db.query(`UPDATE schools SET holidays = array_append(holidays, '2026-11-25') WHERE id = $1`, [
      school.schoolId,
    ]);
    expect(await absenceJobs(at('2026-11-25', '07:01'))).toEqual([]);
    expect(await absenceJobs(at('2026-11-29', '07:01'))).toEqual([]); // Sunday
    await notifications.worker.drainAll();
    expect(told('2026-11-25')).toEqual([]);
    expect(told('2026-11-29')).toEqual([]);
  });

  it('checked again when the message goes: a holiday declared after the job, a tap after it', async () => {
    // Thursday: nobody taps; the job writes alerts for students 0–2 and the newcomer (enrolled
    // since Wednesday), not for the leaver.
    const jobs = await absenceJobs(at('2026-11-26', '07:01'));
    expect(jobs.map((j) => j.result)).toEqual([{ absent: 4, notifications: 4 }]);
    // … and before the worker sends them, the school declares the day off.
    await db.query(`UPDATE schools SET holidays = array_append(holidays, '2026-11-26') WHERE id = $1`, [
      school.schoolId,
    ]);
    await notifications.worker.drainAll();
    expect(told('2026-11-26')).toEqual([]);
    expect((await outcomes('2026-11-26')).map((o) => [o.status, o.last_error])).toEqual(
      Array.from({ length: 4 }, () => ['skipped', 'no_school_day']),
    );

    // Friday: the newcomer taps at 07:02, after the job and before the drain.
    const day = '2026-11-27';
    expect(await absenceJobs(at(day, '07:01'))).toHaveLength(1);
    const newcomer = await db.query<{ text: string }>(
      `SELECT c.text FROM cards c WHERE c.student_id = $1 AND c.status = 'active'`,
      [transferIn.id],
    );
    expect(newcomer).toEqual([]); // no card yet: the newcomer's day is marked by hand
    clock.set(at(day, '07:02'));
    const late = await (
      await admin()
    ).put(`/students/${transferIn.id}/attendance/${day}`, { status: 'present', reason: 'quên thẻ' });
    expect(late.status).toBe(200);
    await notifications.worker.drainAll();
    expect(told(day)).toEqual(guardianOf.slice(0, 3).sort());
    const o = await outcomes(day);
    expect(o.find((x) => x.guardian_id === transferIn.guardian)).toMatchObject({
      status: 'skipped',
      last_error: 'not_absent',
    });
  });

  it('before the enrolment: a student not enrolled that day is never told (worker check)', async () => {
    // An absent row written for a day before the newcomer joined (e.g. by a replayed job):
    // the worker's enrolment check skips it.
    clock.set(at('2026-11-24', '08:00'));
    await db.query(
      `INSERT INTO notification_outbox (student_id, school_id, day, guardian_id, event, event_at)
       VALUES ($1, $2, '2026-11-24', $3, 'absent', $4)`,
      [transferIn.id, school.schoolId, transferIn.guardian, clock.now().toISOString()],
    ); // (the absence job itself never writes it: see the first test)
    await notifications.worker.drainAll();
    expect(told('2026-11-24')).toEqual([guardianOf[0]]);
    expect((await outcomes('2026-11-24')).find((x) => x.guardian_id === transferIn.guardian)).toMatchObject({
      status: 'skipped',
      last_error: 'not_enrolled',
    });
  });
});
