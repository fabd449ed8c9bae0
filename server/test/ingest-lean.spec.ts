/**
 * The lean ingest path keeps each school's card keys and the days it has seen in memory. These
 * check that what it leaves out is only what could not change anything: a card change is seen by
 * the very next batch, and a tap that arrives out of order still moves the day.
 */
import { ManualClock, type LiveAttendance } from '@rfid/protocol';
import { io as ioClient } from 'socket.io-client';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { adminAuthHeader } from './support/api.js';
import { pollUntil } from './support/poll.js';
import { Database } from '../src/db/database.service.js';
import { TapsRepository, type AttendanceInput } from '../src/ingest/taps.repository.js';
import { CardDirectory } from '../src/ingest/card-directory.js';
import { MetricsService } from '../src/metrics/metrics.service.js';

describe('lean ingest: in-memory cards and days', () => {
  const clock = new ManualClock('2026-11-24T15:00:00+07:00');
  let server: TestServer;
  let db: Database;
  let school: SeededSchool;
  let gw: TestGateway;

  beforeAll(async () => {
    server = await startTestServer({}, { clock });
    db = server.app.get(Database);
    school = await seedSchool(server.directory, 3);
    await server.directory.addGuardian(school.students[0]!.id, {
      name: 'Y Liên',
      phone: '0912000111',
      channels: ['zalo'],
    });
    const creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
  });

  const tapRow = async (id: string) =>
    (
      await db.query<{ card_id: string | null; student_id: string | null }>(
        'SELECT card_id, student_id FROM taps WHERE id = $1',
        [id],
      )
    )[0];
  const send = async (card: string, at: string, extra = {}) => {
    const t = gw.tap(card, at, extra);
    await gw.publish([t]);
    await gw.waitAcked([t.id]);
    // The school's keys are (re)read in the background after a batch found them missing or old;
    // waiting for that makes the next tap take the in-memory path, the one under test.
    await server.app.get(CardDirectory, { strict: false }).idle();
    return t;
  };

  it('sees a card enrolled, its keys removed and the card retired at the very next tap', async () => {
    const card = 'em4100:40:07A1B2C3D4';
    const before = await send(card, '2026-11-24T06:40:00+07:00');
    expect(await tapRow(before.id)).toEqual({ card_id: null, student_id: null }); // unknown: the school's keys are now in memory
    const student = await server.directory.createStudent({
      schoolId: school.schoolId,
      classId: school.classId,
      studentCode: 'LEAN-1',
      name: 'A Sang',
    });
    const enrolled = await server.directory.enrolCard({
      schoolId: school.schoolId,
      studentId: student.id,
      card,
    });
    const after = await send(card, '2026-11-24T06:41:00+07:00');
    expect(await tapRow(after.id)).toEqual({ card_id: enrolled.id, student_id: student.id });
    // A 32-bit read matches through the card's shorter keys, until those alone are removed by hand.
    const short = `em4100:32:${card.split(':')[2]!.slice(2)}`;
    expect((await tapRow((await send(short, '2026-11-24T06:42:00+07:00')).id))?.student_id).toBe(student.id);
    await db.query(`DELETE FROM card_keys WHERE card_id = $1 AND bits < 40`, [enrolled.id]);
    expect((await tapRow((await send(short, '2026-11-24T06:43:00+07:00')).id))?.student_id).toBeNull();
    await server.directory.retireCard(enrolled.id, 'lost');
    expect(await tapRow((await send(card, '2026-11-24T06:44:00+07:00')).id)).toEqual({
      card_id: null,
      student_id: null,
    });
  });

  it('a student made inactive stops counting at the next tap', async () => {
    const s = school.students[2]!;
    await db.query('UPDATE students SET active = false WHERE id = $1', [s.id]);
    try {
      const t = await send(s.card, '2026-11-25T06:50:00+07:00');
      expect((await tapRow(t.id))?.student_id).toBe(s.id); // the tap still names the student
      const days = await db.query('SELECT 1 FROM attendance_days WHERE student_id = $1 AND date = $2', [
        s.id,
        '2026-11-25',
      ]);
      expect(days).toHaveLength(0);
    } finally {
      await db.query('UPDATE students SET active = true WHERE id = $1', [s.id]);
    }
  });

  it('a later IN leaves the day untouched; an earlier IN arriving late still moves arrival and status, with one check-in', async () => {
    const s = school.students[0]!;
    const auth = await adminAuthHeader(server);
    const live = ioClient(server.httpUrl, {
      transports: ['websocket'],
      auth: { token: auth.authorization.replace(/^Bearer /, '') },
    });
    const events: LiveAttendance[] = [];
    live.on('attendance', (a: LiveAttendance) => {
      if (a.studentId === s.id) events.push(a);
    });
    try {
      expect(await live.timeout(5000).emitWithAck('join', { schoolId: school.schoolId })).toMatchObject({
        ok: true,
      });
      const day = async () =>
        (
          await db.query<{ status: string; first_in_tap_id: string; updated_at: Date }>(
            'SELECT status, first_in_tap_id, updated_at FROM attendance_days WHERE student_id = $1 AND date = $2',
            [s.id, '2026-11-24'],
          )
        )[0]!;
      const late = await send(s.card, '2026-11-24T07:10:00+07:00');
      const first = await day();
      expect(first).toMatchObject({ status: 'late', first_in_tap_id: late.id });
      const again = await send(s.card, '2026-11-24T07:20:00+07:00');
      expect((await tapRow(again.id))?.student_id).toBe(s.id); // stored and matched …
      expect(await day()).toEqual(first); // … and the day not written at all
      const offline = await send(s.card, '2026-11-24T06:50:00+07:00'); // from a gate that was offline
      expect(await day()).toMatchObject({ status: 'present', first_in_tap_id: offline.id });
      const outbox = await db.query<{ event: string; tap_id: string }>(
        'SELECT event, tap_id FROM notification_outbox WHERE student_id = $1',
        [s.id],
      );
      expect(outbox).toEqual([{ event: 'check_in', tap_id: late.id }]);
      await pollUntil(() => events.length >= 2, { what: 'two attendance events' });
      expect(events.map((e) => [e.status, e.firstIn])).toEqual([
        ['late', '2026-11-24T07:10:00.000+07:00'],
        ['present', '2026-11-24T06:50:00.000+07:00'],
      ]);
      // And the count of the day's taps is read from the taps themselves.
      const res = await fetch(
        `${server.httpUrl}/api/v1/students/${s.id}/attendance?from=2026-11-24&to=2026-11-24`,
        { headers: auth },
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as { tapCount: number }[])[0]?.tapCount).toBe(3);
    } finally {
      live.close();
    }
  });

  it('two batches taking the same first arrival at once: the earliest IN wins and the check-in is written once', async () => {
    // The race the outbox's unique day key is for: batch B's statement starts while A's insert of
    // the day is uncommitted, so B waits, updates A's committed row, and from its own snapshot
    // also takes its tap for the first arrival.
    const repo = server.app.get(TapsRepository, { strict: false });
    const s = school.students[0]!;
    const date = '2026-11-26';
    const day = (at: string, tapId: string): AttendanceInput => ({
      studentId: s.id,
      date,
      schoolId: school.schoolId,
      classId: school.classId,
      status: 'present',
      firstIn: at,
      firstInTapId: tapId,
      lastOut: null,
      lastOutTapId: null,
    });
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      const tapA = crypto.randomUUID();
      const tapB = crypto.randomUUID();
      await a.query('BEGIN');
      await b.query('BEGIN');
      const [rowA] = await repo.upsertAttendance(a, [day('2026-11-25T23:50:00.000Z', tapA)]);
      expect(rowA?.prev_first_in).toBeNull();
      await repo.insertOutbox(a, [
        {
          studentId: s.id,
          schoolId: school.schoolId,
          date,
          tapId: tapA,
          event: 'check_in',
          at: '2026-11-25T23:50:00.000Z',
          late: false,
        },
      ]);
      const pidB = (await b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const pendingB = repo.upsertAttendance(b, [day('2026-11-25T23:45:00.000Z', tapB)]); // an earlier IN from another gate …
      await pollUntil(
        async () =>
          (
            await db.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [
              pidB,
            ])
          ).length === 1,
        { what: 'B waiting for A' },
      );
      await a.query('COMMIT'); // … whose statement started before A committed
      const [rowB] = await pendingB;
      expect(rowB).toMatchObject({ prev_first_in: null, first_in_tap_id: tapB }); // the earliest IN wins; B thinks it is first too …
      expect(
        await repo.insertOutbox(b, [
          {
            studentId: s.id,
            schoolId: school.schoolId,
            date,
            tapId: tapB,
            event: 'check_in',
            at: '2026-11-25T23:45:00.000Z',
            late: false,
          },
        ]),
      ).toBe(0); // … and writes nothing
      await b.query('COMMIT');
      const outbox = await db.query<{ tap_id: string }>(
        `SELECT tap_id FROM notification_outbox WHERE student_id = $1 AND day = $2 AND event = 'check_in'`,
        [s.id, date],
      );
      expect(outbox).toEqual([{ tap_id: tapA }]);
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      a.release();
      b.release();
    }
  });

  it("matches by lookup while a school's keys are not in memory, and from memory once they are read", async () => {
    const other = await seedSchool(server.directory, 2);
    const creds = await server.devices.register(other.schoolId, 'Cổng');
    const g = await TestGateway.connect(server.mqttUrl, other.schoolId, creds.gatewayId, creds.mqttPassword);
    const metrics = server.app.get(MetricsService, { strict: false });
    const counts = async () => {
      const byPath = Object.fromEntries(
        (await metrics.cardMatches.get()).values.map((v) => [v.labels.path, v.value]),
      );
      const live = (await metrics.liveEvents.get()).values.find((v) => v.labels.event === 'tap')?.value ?? 0;
      return {
        memory: byPath.memory ?? 0,
        lookup: byPath.lookup ?? 0,
        loads: (await metrics.cardKeyLoads.get()).values[0]?.value ?? 0,
        liveTaps: live,
      };
    };
    try {
      const before = await counts();
      const first = g.tap(other.students[0]!.card, '2026-11-24T06:30:00+07:00');
      await g.publish([first]);
      await g.waitAcked([first.id]);
      await server.app.get(CardDirectory, { strict: false }).idle();
      expect((await tapRow(first.id))?.student_id).toBe(other.students[0]!.id);
      const afterFirst = await counts();
      expect({
        lookup: afterFirst.lookup - before.lookup,
        memory: afterFirst.memory - before.memory,
        loads: afterFirst.loads - before.loads,
      }).toEqual({ lookup: 1, memory: 0, loads: 1 });
      const second = g.tap(other.students[1]!.card, '2026-11-24T06:31:00+07:00');
      await g.publish([second]);
      await g.waitAcked([second.id]);
      expect((await tapRow(second.id))?.student_id).toBe(other.students[1]!.id);
      const afterSecond = await counts();
      expect({
        lookup: afterSecond.lookup - afterFirst.lookup,
        memory: afterSecond.memory - afterFirst.memory,
      }).toEqual({ lookup: 0, memory: 1 });
      // Nobody has this school's dashboard open: its live events were not even encoded.
      expect((await counts()).liveTaps).toBe(before.liveTaps);
    } finally {
      await g.close();
    }
  });
});
