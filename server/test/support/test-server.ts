/**
 * A whole server for a test file: its own database, HTTP and embedded MQTT on free ports, an
 * injected clock, logs silent. `seed` helpers create a district/school/classes/students/cards.
 */
import { ManualClock, type Clock } from '@rfid/protocol';
import { createServer, type RunningServer } from '../../src/server.js';
import type { ServerConfig } from '../../src/config/config.js';
import { DirectoryService } from '../../src/directory/directory.service.js';
import { DevicesService } from '../../src/devices/devices.service.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { freePort } from '../../src/db/embedded-postgres.js';

/** Password of the first user `admin` of every test server (see `adminToken` in ./api.ts). */
export const TEST_ADMIN_PASSWORD = 'province-operator-for-tests';

export interface TestServer extends RunningServer {
  db: TestDatabase;
  directory: DirectoryService;
  devices: DevicesService;
  stop(): Promise<void>;
}

export async function startTestServer(
  config: Partial<ServerConfig> = {},
  deps: { clock?: Clock; db?: TestDatabase } = {},
): Promise<TestServer> {
  const db = deps.db ?? (await createTestDatabase());
  const server = await createServer(
    {
      databaseUrl: db.url,
      httpPort: 0,
      httpHost: '127.0.0.1',
      mqttHost: '127.0.0.1',
      mqttPort: config.mqttUrl ? 1883 : await freePort(),
      mqttsPort: null,
      logLevel: (process.env.LOG_LEVEL as ServerConfig['logLevel']) ?? 'silent',
      rosterDebounceMs: 20,
      adminPassword: TEST_ADMIN_PASSWORD,
      ...config,
    },
    { clock: deps.clock ?? new ManualClock('2026-11-23T06:30:00+07:00') },
  );
  return {
    ...server,
    db,
    directory: server.app.get(DirectoryService),
    devices: server.app.get(DevicesService),
    stop: async () => {
      await server.close();
      if (!deps.db) await db.drop();
    },
  };
}

export interface SeededSchool {
  districtId: string;
  schoolId: string;
  classId: string;
  students: { id: string; name: string; card: string }[];
}

/** A district, a school (default rules), class 6A and `n` students each with an EM4100 card. */
export async function seedSchool(
  directory: DirectoryService,
  n = 3,
  code = `S${Math.random().toString(36).slice(2, 8)}`,
): Promise<SeededSchool> {
  const district = await directory.createDistrict({ code: `D-${code}`, name: `Phòng GD&ĐT ${code}` });
  const school = await directory.createSchool({ districtId: district.id, code, name: `THCS ${code}` });
  const klass = await directory.createClass({ schoolId: school.id, name: '6A', grade: 6 });
  const students = [];
  for (let i = 0; i < n; i++) {
    const s = await directory.createStudent({
      schoolId: school.id,
      classId: klass.id,
      studentCode: `${code}-${i}`,
      name: `Nguyễn Văn ${i}`,
    });
    const hex = (0x0400000000 + Math.floor(Math.random() * 0xffffff) * 256 + i)
      .toString(16)
      .toUpperCase()
      .padStart(10, '0');
    const card = `em4100:40:${hex}`;
    await directory.enrolCard({ schoolId: school.id, studentId: s.id, card });
    students.push({ id: s.id, name: s.name, card });
  }
  return { districtId: district.id, schoolId: school.id, classId: klass.id, students };
}
