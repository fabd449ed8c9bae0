import { io as ioClient, type Socket } from 'socket.io-client';
import { ManualClock, topicFor, type LiveAttendance, type LiveTap } from '@rfid/protocol';
import { startTestServer, seedSchool, type SeededSchool, type TestServer } from './support/test-server.js';
import { TestGateway } from './support/test-gateway.js';
import { pollUntil } from './support/poll.js';
import { adminAuthHeader } from './support/api.js';
import { Database } from '../src/db/database.service.js';
import { IngestService } from '../src/ingest/ingest.service.js';

describe('ingest over the embedded broker', () => {
  const clock = new ManualClock('2026-11-23T07:30:00+07:00');
  let server: TestServer;
  let db: Database;
  let school: SeededSchool;
  let gw: TestGateway;
  let creds: { gatewayId: string; mqttPassword: string };

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params))[0]!.n);

  beforeAll(async () => {
    server = await startTestServer({}, { clock });
    db = server.app.get(Database);
    school = await seedSchool(server.directory, 4);
    await server.directory.addGuardian(school.students[0]!.id, {
      name: 'Bùi Văn Hoa',
      phone: '0304212036',
      channels: ['sms', 'zalo'],
    });
    creds = await server.devices.register(school.schoolId, 'Cổng chính');
    gw = await TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, creds.mqttPassword);
  });
  afterAll(async () => {
    await gw?.close();
    await server?.stop();
  });

  it('stores the same tap delivered 3 times once, and acks it every time', async () => {
    const tap = gw.tap(school.students[0]!.card, '2026-11-23T06:50:00+07:00');
    for (let i = 1; i <= 3; i++) {
      await gw.publish([tap]);
      await pollUntil(() => gw.ackMessages.filter((ids) => ids.includes(tap.id)).length === i, {
        what: `ack ${i}`,
      });
    }
    expect(await count('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id])).toBe(1);
    const [day] = await db.query<{ status: string; first_in_tap_id: string }>(
      'SELECT status, first_in_tap_id FROM attendance_days WHERE student_id = $1',
      [school.students[0]!.id],
    );
    expect(day).toEqual({ status: 'present', first_in_tap_id: tap.id });
    // One check-in for the guardian (not one per channel, not three): the event and its tap time.
    const outbox = await db.query<{ event: string; tap_id: string; event_at: Date }>(
      'SELECT event, tap_id, event_at FROM notification_outbox WHERE student_id = $1',
      [school.students[0]!.id],
    );
    expect(outbox).toEqual([
      { event: 'check_in', tap_id: tap.id, event_at: new Date('2026-11-23T06:50:00+07:00') },
    ]);
  });

  it('stores the good taps of a batch with one bad tap and dead-letters the bad one with its reason', async () => {
    const good1 = gw.tap(school.students[1]!.card, '2026-11-23T06:40:00+07:00');
    const good2 = gw.tap('em4100:40:00DEADBEEF', '2026-11-23T06:41:00+07:00'); // unknown card: stored for enrolment
    const bad = { ...gw.tap(school.students[2]!.card, '2026-11-23T06:42:00+07:00'), at: 'yesterday morning' };
    gw.sent.delete(bad.id);
    await gw.publish([good1, bad, good2]);
    await gw.waitAcked([good1.id, good2.id, bad.id]);
    expect(
      await count('SELECT count(*) AS n FROM taps WHERE id = ANY($1::uuid[])', [[good1.id, good2.id]]),
    ).toBe(2);
    expect(await count('SELECT count(*) AS n FROM taps WHERE id = $1', [bad.id])).toBe(0);
    const [dl] = await db.query<{ code: string; reason: string; tap_id: string; payload: string }>(
      'SELECT code, reason, tap_id, payload FROM dead_letters WHERE tap_id = $1',
      [bad.id],
    );
    expect(dl).toMatchObject({ code: 'bad_tap', tap_id: bad.id });
    expect(dl!.reason).toMatch(/^at /);
    expect(JSON.parse(dl!.payload).at).toBe('yesterday morning');
    const [unknown] = await db.query<{ student_id: string | null; card_id: string | null }>(
      'SELECT student_id, card_id FROM taps WHERE id = $1',
      [good2.id],
    );
    expect(unknown).toEqual({ student_id: null, card_id: null });
  });

  it('dead-letters a message that is not JSON and goes on', async () => {
    await gw.publishRaw('{"taps": [');
    await pollUntil(
      async () => (await count(`SELECT count(*) AS n FROM dead_letters WHERE code = 'bad_json'`)) === 1,
      { what: 'bad_json dead letter' },
    );
    const tap = gw.tap(school.students[3]!.card, '2026-11-23T06:45:00+07:00');
    await gw.publish([tap]);
    await gw.waitAcked([tap.id]);
    expect(await count('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id])).toBe(1);
  });

  it('a tap stamped 07:05 arriving at 15:00 makes the student late for that morning', async () => {
    const d2 = await seedSchool(server.directory, 3);
    const c2 = await server.devices.register(d2.schoolId, 'Cổng phụ');
    const g2 = await TestGateway.connect(server.mqttUrl, d2.schoolId, c2.gatewayId, c2.mqttPassword);
    try {
      // A terminal fixed as the exit gate: its taps are OUT whatever the time.
      await db.query(
        `INSERT INTO terminals (gateway_id, id, school_id, direction) VALUES ($1, 'exit', $2, 'out')`,
        [c2.gatewayId, d2.schoolId],
      );
      clock.set('2026-11-23T15:00:00+07:00');
      const late = g2.tap(d2.students[0]!.card, '2026-11-23T07:05:00+07:00');
      const onTime = g2.tap(d2.students[1]!.card, '2026-11-23T06:59:00+07:00');
      const leftEarly = g2.tap(d2.students[0]!.card, '2026-11-23T10:15:00+07:00', { terminal: 'exit' });
      await g2.publish([late, onTime, leftEarly]);
      await g2.waitAcked([late.id, onTime.id, leftEarly.id]);
      // A tap stamped 16:35 while the server says 15:00: a gateway clock gone wrong — stored, not counted.
      const future = g2.tap(d2.students[2]!.card, '2026-11-23T16:35:00+07:00');
      await g2.publish([future]);
      await g2.waitAcked([future.id]);
      expect(
        await count('SELECT count(*) AS n FROM attendance_days WHERE student_id = $1', [d2.students[2]!.id]),
      ).toBe(0);
      clock.set('2026-11-23T17:00:00+07:00');
      // A 24-bit (Wiegand) read of the same card still resolves to the student; in the check-out window it is OUT.
      const hex = d2.students[1]!.card.split(':')[2]!;
      const out = g2.tap(`em4100:24:${hex.slice(-6)}`, '2026-11-23T16:35:00+07:00');
      await g2.publish([out]);
      await g2.waitAcked([out.id]);
      const auth = { headers: await adminAuthHeader(server) };
      const res = await fetch(
        `${server.httpUrl}/api/v1/schools/${d2.schoolId}/attendance?date=2026-11-23`,
        auth,
      );
      expect(res.status).toBe(200);
      const rows = (await res.json()) as {
        studentId: string;
        status: string;
        firstIn: string | null;
        lastOut: string | null;
      }[];
      const byId = new Map(rows.map((r) => [r.studentId, r]));
      expect(rows).toHaveLength(3);
      expect(byId.get(d2.students[0]!.id)).toMatchObject({
        status: 'late',
        firstIn: '2026-11-23T07:05:00.000+07:00',
        lastOut: '2026-11-23T10:15:00.000+07:00',
      });
      expect(byId.get(d2.students[1]!.id)).toMatchObject({
        status: 'present',
        firstIn: '2026-11-23T06:59:00.000+07:00',
        lastOut: '2026-11-23T16:35:00.000+07:00',
      });
      expect(byId.get(d2.students[2]!.id)).toMatchObject({ status: 'absent', firstIn: null }); // after the 09:00 cut-off
      clock.set('2026-11-23T08:00:00+07:00');
      const early = (await (
        await fetch(`${server.httpUrl}/api/v1/schools/${d2.schoolId}/attendance?date=2026-11-23`, auth)
      ).json()) as { studentId: string; status: string }[];
      expect(early.find((r) => r.studentId === d2.students[2]!.id)?.status).toBe('pending');
      const taps = (await (
        await fetch(`${server.httpUrl}/api/v1/schools/${d2.schoolId}/taps?date=2026-11-23`, auth)
      ).json()) as { id: string; studentId: string | null; gatewayId: string }[];
      expect(taps.map((t) => t.id)).toEqual([onTime.id, late.id, leftEarly.id, future.id, out.id]);
      expect(taps[4]).toMatchObject({ studentId: d2.students[1]!.id, gatewayId: c2.gatewayId });
      const bad = await fetch(
        `${server.httpUrl}/api/v1/schools/${d2.schoolId}/attendance?date=23-11-2026`,
        auth,
      );
      expect(bad.status).toBe(400);
    } finally {
      clock.set('2026-11-23T07:30:00+07:00');
      await g2.close();
    }
  });

  it('the embedded broker refuses a bad password and a publish under another school', async () => {
    await expect(
      TestGateway.connect(server.mqttUrl, school.schoolId, creds.gatewayId, 'not-the-secret'),
    ).rejects.toThrow();
    const other = await seedSchool(server.directory, 1);
    const intruder = await TestGateway.connect(
      server.mqttUrl,
      school.schoolId,
      creds.gatewayId,
      creds.mqttPassword,
    );
    const tap = intruder.tap(other.students[0]!.card, '2026-11-23T06:55:00+07:00');
    const closed = new Promise<void>((r) => intruder.client.once('close', () => r()));
    // aedes closes a 3.1.1 client whose publish is not authorised (there is no negative PUBACK).
    void intruder.publish([tap], topicFor(other.schoolId, creds.gatewayId, 'taps')).catch(() => undefined);
    await closed;
    await intruder.close();
    // Nothing of it reached the server; the legitimate gateway still works.
    const ok = gw.tap(school.students[0]!.card, '2026-11-23T06:56:00+07:00');
    await gw.publish([ok]);
    await gw.waitAcked([ok.id]);
    expect(await count('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id])).toBe(0);
    // And a subscription to another gateway's topics is refused.
    const snoop = await TestGateway.connect(
      server.mqttUrl,
      school.schoolId,
      creds.gatewayId,
      creds.mqttPassword,
    );
    const granted = await snoop.client
      .subscribeAsync(topicFor(other.schoolId, 'gw-x', 'roster'), { qos: 1 })
      .catch(() => [{ qos: 128 }]);
    expect(granted[0]!.qos).toBe(128);
    await snoop.close();
  });

  it('the server itself rejects a message whose topic school is not the gateway school', async () => {
    const other = await seedSchool(server.directory, 1);
    const ingest = server.app.get(IngestService);
    const tap = gw.tap(other.students[0]!.card, '2026-11-23T06:57:00+07:00');
    await ingest.accept(
      topicFor(other.schoolId, creds.gatewayId, 'taps'),
      Buffer.from(JSON.stringify({ taps: [tap] })),
    );
    await ingest.drained();
    expect(await count('SELECT count(*) AS n FROM taps WHERE id = $1', [tap.id])).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM dead_letters WHERE code = 'school_mismatch' AND school_id = $1`,
        [other.schoolId],
      ),
    ).toBe(1);
    // An unregistered gateway resending: one dead letter a minute, the rest only counted.
    for (let i = 0; i < 3; i++)
      await ingest.accept(
        topicFor(school.schoolId, 'gw-unknown', 'taps'),
        Buffer.from(JSON.stringify({ taps: [tap] })),
      );
    await ingest.drained();
    expect(await count(`SELECT count(*) AS n FROM dead_letters WHERE code = 'unknown_gateway'`)).toBe(1);
    // The minute is the injected clock's, not the machine's.
    clock.advance(61_000);
    await ingest.accept(
      topicFor(school.schoolId, 'gw-unknown', 'taps'),
      Buffer.from(JSON.stringify({ taps: [tap] })),
    );
    await ingest.drained();
    expect(await count(`SELECT count(*) AS n FROM dead_letters WHERE code = 'unknown_gateway'`)).toBe(2);
  });

  it('a gateway revoked on another replica is refused once the 30 s identity cache ages on the clock', async () => {
    const other = await server.devices.register(school.schoolId, 'Cổng phụ');
    expect((await server.devices.lookup(other.gatewayId))?.revoked).toBe(false);
    // Another replica revokes it: this one learns only when its cached identity is 30 s old.
    await db.query(`UPDATE gateways SET revoked_at = now() WHERE id = $1`, [other.gatewayId]);
    clock.advance(29_000);
    expect((await server.devices.lookup(other.gatewayId))?.revoked).toBe(false);
    clock.advance(2_000);
    expect((await server.devices.lookup(other.gatewayId))?.revoked).toBe(true);
  });

  it('pushes tap and attendance events to a client in the school room', async () => {
    const token = (await adminAuthHeader(server)).authorization.slice('Bearer '.length);
    const socket: Socket = ioClient(server.httpUrl, { transports: ['websocket'], auth: { token } });
    try {
      const reply = await socket.timeout(5000).emitWithAck('join', { schoolId: school.schoolId });
      expect(reply).toEqual({ ok: true, rooms: [`school:${school.schoolId}`] });
      const taps: LiveTap[] = [];
      const attendance: LiveAttendance[] = [];
      socket.on('tap', (t: LiveTap) => taps.push(t));
      socket.on('attendance', (a: LiveAttendance) => attendance.push(a));
      const tap = gw.tap(school.students[2]!.card, '2026-11-23T07:20:00+07:00');
      await gw.publish([tap]);
      await pollUntil(
        () =>
          taps.some((t) => t.id === tap.id) && attendance.some((a) => a.studentId === school.students[2]!.id),
        { what: 'live events' },
      );
      expect(taps.find((t) => t.id === tap.id)).toMatchObject({
        studentId: school.students[2]!.id,
        classId: school.classId,
        name: school.students[2]!.name,
        direction: 'in',
      });
      expect(attendance.find((a) => a.studentId === school.students[2]!.id)).toMatchObject({
        status: 'late',
        date: '2026-11-23',
        firstIn: '2026-11-23T07:20:00.000+07:00',
      });
    } finally {
      socket.close();
    }
  });

  it('exposes health and Prometheus metrics', async () => {
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ db: 'ok', broker: 'ok' });
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/rfid_taps_stored_total \d+/);
    expect(metrics).toMatch(/rfid_dead_letters_total\{code="bad_tap"\} 1/);
    expect(metrics).toContain('rfid_tap_commit_lag_seconds_bucket');
  });
});
