/**
 * Scheduled jobs run once across replicas: two servers on one database tick at the same moment;
 * the absence job of a school's day runs on exactly one of them, at the school's cut-off in the
 * school's own zone, and only on school days. Time is a ManualClock shared by both.
 */
import { ManualClock } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { Database } from '../src/db/database.service.js';
import { SchedulerService } from '../src/scheduler/scheduler.service.js';
import { JobLock } from '../src/scheduler/job-lock.js';

describe('scheduler: absence marking once across replicas', () => {
  const clock = new ManualClock('2026-11-23T08:59:00+07:00'); // a Monday
  let a: TestServer;
  let b: TestServer;
  let school: SeededSchool;
  let db: Database;
  let gw: TestGateway;

  beforeAll(async () => {
    a = await startTestServer({ schedulerIntervalMs: 0, serverId: 'replica-a' }, { clock });
    b = await startTestServer({ schedulerIntervalMs: 0, serverId: 'replica-b' }, { clock, db: a.db });
    db = a.app.get(Database);
    school = await seedSchool(a.directory, 4);
    for (const s of school.students)
      await a.directory.addGuardian(s.id, { name: 'Y Hơn', phone: '0912345678', channels: ['sms'] });
    const creds = await a.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(a.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
    const tap = gw.tap(school.students[0]!.card, '2026-11-23T06:50:00+07:00', { direction: 'in' });
    await gw.publish([tap]);
    await gw.waitAcked([tap.id]);
  });
  afterAll(async () => {
    await gw?.close();
    await b?.stop();
    await a?.stop();
  });

  const tick = async () =>
    (await Promise.all([a, b].map((s) => s.app.get(SchedulerService).runDue()))).map((r) =>
      r.filter((o) => o.job === 'absence' && o.key.startsWith(school.schoolId)),
    );
  const statuses = async () =>
    (
      await db.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM attendance_days WHERE school_id = $1 AND date = '2026-11-23' GROUP BY status ORDER BY status`,
        [school.schoolId],
      )
    ).map((r) => `${r.status}:${r.n}`);
  const absentOutbox = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM notification_outbox o JOIN students s ON s.id = o.student_id WHERE s.school_id = $1 AND o.event = 'absent'`,
          [school.schoolId],
        )
      )[0]!.n,
    );

  it('does nothing before the cut-off (08:59)', async () => {
    expect((await tick()).flat()).toEqual([]);
    expect(await statuses()).toEqual(['present:1']);
  });

  it('at 09:00 marks the three students without a tap absent, once, with one message per guardian channel', async () => {
    clock.set('2026-11-23T09:00:00+07:00');
    const [ranA, ranB] = await tick();
    expect(ranA!.length + ranB!.length).toBe(1);
    expect([...ranA!, ...ranB!][0]!.result).toEqual({ absent: 3, notifications: 3 });
    expect(await statuses()).toEqual(['absent:3', 'present:1']);
    expect(await absentOutbox()).toBe(3);
    const runs = await db.query<{ server_id: string }>(
      `SELECT server_id FROM job_runs WHERE job = 'absence' AND key = $1`,
      [`${school.schoolId}:2026-11-23`],
    );
    expect(runs).toHaveLength(1);

    clock.set('2026-11-23T10:00:00+07:00');
    expect((await tick()).flat()).toEqual([]);
    expect(await absentOutbox()).toBe(3);
  });

  it('a late tap after the absence job still makes the student late', async () => {
    const tap = gw.tap(school.students[1]!.card, '2026-11-23T09:30:00+07:00', { direction: 'in' });
    await gw.publish([tap]);
    await gw.waitAcked([tap.id]);
    const [row] = await db.query<{ status: string }>(
      `SELECT status FROM attendance_days WHERE student_id = $1 AND date = '2026-11-23'`,
      [school.students[1]!.id],
    );
    expect(row!.status).toBe('late');
  });

  it('skips days that are not school days (Sunday) and holidays', async () => {
    clock.set('2026-11-29T10:00:00+07:00'); // Sunday
    expect((await tick()).flat()).toEqual([]);
    await a.directory.updateSchoolRules(school.schoolId, { holidays: ['2026-11-30'] });
    clock.set('2026-11-30T10:00:00+07:00'); // Monday, a holiday
    expect((await tick()).flat()).toEqual([]);
  });

  it('a claim whose runner died is taken over after its lease, a finished one never', async () => {
    const dead = new JobLock(db, 'replica-dead', 0);
    const alive = new JobLock(db, 'replica-alive', 0);
    expect(await dead.claim('test', 'k1')).toBe(true);
    expect(await alive.claim('test', 'k1')).toBe(true); // lease 0 s: the dead claim has expired
    await alive.finish('test', 'k1', { ok: true });
    expect(await dead.claim('test', 'k1')).toBe(false);
    expect(await new JobLock(db, 'replica-c').claim('test', 'k2')).toBe(true);
    expect(await new JobLock(db, 'replica-d').claim('test', 'k2')).toBe(false); // within the 10-minute lease
  });
});
