/**
 * The demo district, seeded through the server's own API (so the demo exercises what a real
 * deployment uses): the sample districts, schools and students (with guardians and the numbers
 * printed on their cards) imported from CSV, one gateway per school, and one login per role.
 * Idempotent: a second start finds everything and only refreshes the day's rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zonedTime } from '@rfid/protocol';
import type { ApiClient } from './api-client.js';
import { randomPassword, saveCredentials, type DemoCredentials } from './credentials.js';

export interface SeededSchool {
  id: string;
  code: string;
  name: string;
  timeZone: string;
  districtId: string;
  gateway: { gatewayId: string; mqttUsername: string; mqttPassword: string };
}

interface SchoolRow {
  id: string;
  code: string;
  name: string;
  districtId: string;
  timeZone: string;
}

/** The codes in the first column of a sample CSV (UTF-8 with BOM, header row). */
function sampleCodes(file: string): string[] {
  return readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.split(',')[0]!.trim());
}

function hhmm(minuteOfDay: number): string {
  const m = Math.max(0, Math.min(23 * 60 + 59, Math.round(minuteOfDay)));
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export interface DemoDay {
  /** Real seconds from now until the rush's bell (the end of "on time"). */
  bellInSeconds: number;
}

export async function seedDemo(
  api: ApiClient,
  samplesDir: string,
  creds: DemoCredentials,
  credsFile: string,
  day: DemoDay,
): Promise<SeededSchool[]> {
  const codes = sampleCodes(path.join(samplesDir, 'schools.csv'));
  let schools = await api.get<SchoolRow[]>('/api/v1/schools');
  if (!codes.every((c) => schools.some((s) => s.code === c))) {
    for (const kind of ['districts', 'schools', 'students'] as const) {
      await api.upload(
        `/api/v1/imports/${kind}`,
        readFileSync(path.join(samplesDir, `${kind}.csv`)),
        'text/csv',
      );
    }
    schools = await api.get<SchoolRow[]>('/api/v1/schools');
  }
  const demo = codes.map((code) => {
    const s = schools.find((x) => x.code === code);
    if (!s) throw new Error(`school ${code} missing after the import`);
    return s;
  });

  // Today's rules follow the rush: on time until its bell, late for half an hour after, so the
  // dashboard shows present, late and (after the cut-off) absent students within minutes.
  for (const s of demo) {
    const now = zonedTime(new Date(), s.timeZone).minuteOfDay;
    const bell = now + day.bellInSeconds / 60;
    await api.patch(`/api/v1/schools/${s.id}`, {
      onTimeUntil: hhmm(bell),
      lateUntil: hhmm(bell + 30),
      absenceCutoff: hhmm(bell + 30),
      schoolDays: [1, 2, 3, 4, 5, 6, 7],
      holidays: [],
    });
  }

  // The schools collected their parents' consent forms: SMS and Zalo for every guardian (a parent
  // can withdraw it in the app), so messages leave seconds after a tap.
  for (const s of demo) {
    await api.post(`/api/v1/schools/${s.id}/consents`, {
      channels: ['sms', 'zalo', 'email', 'push', 'in_app'],
      granted: true,
      method: 'paper_form',
      note: 'demo: phiếu đồng ý nhận thông báo',
    });
  }

  for (const s of demo) {
    if (creds.gateways[s.code]) continue;
    creds.gateways[s.code] = await api.post('/api/v1/devices', {
      schoolId: s.id,
      name: `Cổng trường ${s.name}`,
    });
    saveCredentials(credsFile, creds);
  }

  if (creds.users.length === 0) {
    const first = demo[0]!;
    const classes = await api.get<{ id: string; name: string }[]>(`/api/v1/schools/${first.id}/classes`);
    const klass = classes.find((c) => c.name === '6A') ?? classes[0]!;
    const [student] = await api.get<{ id: string; name: string }[]>(
      `/api/v1/classes/${klass.id}/students?limit=1`,
    );
    const districts = await api.get<{ id: string; name: string }[]>('/api/v1/districts');
    const district = districts.find((d) => d.id === first.districtId)!;
    const users = [
      {
        role: 'district',
        username: 'phong.giaoduc',
        scope: district.name,
        body: { districtId: district.id },
      },
      { role: 'school', username: 'hieu.truong', scope: first.name, body: { schoolId: first.id } },
      {
        role: 'teacher',
        username: 'giao.vien',
        scope: `${first.name}, lớp ${klass.name}`,
        body: { schoolId: first.id, classIds: [klass.id] },
      },
      {
        role: 'parent',
        username: 'phu.huynh',
        scope: `con: ${student!.name}`,
        body: { studentIds: [student!.id] },
      },
    ];
    for (const u of users) {
      const password = randomPassword();
      await api.post('/api/v1/users', { username: u.username, password, role: u.role, ...u.body });
      creds.users.push({ role: u.role, username: u.username, password, scope: u.scope });
    }
    saveCredentials(credsFile, creds);
  }

  return demo.map((s) => ({
    id: s.id,
    code: s.code,
    name: s.name,
    timeZone: s.timeZone,
    districtId: s.districtId,
    gateway: creds.gateways[s.code]!,
  }));
}
