/** The school view's server state. */
import { useQuery } from '@tanstack/react-query';
import type { AttendanceStatus } from '@rfid/protocol';
import { api, enc } from '../../lib/api';

export interface School {
  id: string;
  name: string;
  code: string;
  districtId: string;
  timeZone: string;
}
export interface SchoolClass {
  id: string;
  name: string;
  grade: number | null;
  studentCount: number;
}
export interface DayRow {
  studentId: string;
  name: string;
  classId: string;
  status: AttendanceStatus;
  firstIn: string | null;
}
export interface Tap {
  id: string;
  card: string;
  terminal: string;
  gatewayId: string;
  at: string;
  studentId: string | null;
  direction?: string | null;
}
export interface Device {
  gatewayId: string;
  name: string;
  online: boolean;
  queue: number | null;
  lastSeenAt: string | null;
  revokedAt: string | null;
  terminals: { id: string; online: boolean; lastSeen: string | null }[];
}
export interface UnknownCard {
  card: string;
  taps: number;
  lastTapId: string;
  lastAt: string;
  terminal: string;
  retired: { status: string; studentId: string | null; studentName: string | null } | null;
}

export const schoolKeys = {
  day: (id: string, date: string) => ['attendance', id, date] as const,
  taps: (id: string, date: string) => ['taps', id, date] as const,
  devices: (id: string) => ['devices', id] as const,
  unknown: (id: string) => ['unknown-cards', id] as const,
};

export const useSchool = (id: string) => useQuery({ queryKey: ['school', id], queryFn: () => api<School>(`/schools/${enc(id)}`), staleTime: 300_000 });
export const useClasses = (id: string) => useQuery({ queryKey: ['classes', id], queryFn: () => api<SchoolClass[]>(`/schools/${enc(id)}/classes`) });
export const useDay = (id: string, date: string) =>
  useQuery({ queryKey: schoolKeys.day(id, date), queryFn: () => api<DayRow[]>(`/schools/${enc(id)}/attendance?date=${date}`), refetchInterval: 60_000 });
export const useTaps = (id: string, date: string) =>
  useQuery({ queryKey: schoolKeys.taps(id, date), queryFn: () => api<Tap[]>(`/schools/${enc(id)}/taps?date=${date}`) });
export const useDevices = (id: string) => useQuery({ queryKey: schoolKeys.devices(id), queryFn: () => api<Device[]>(`/schools/${enc(id)}/devices`), refetchInterval: 30_000 });
export const useUnknown = (id: string) => useQuery({ queryKey: schoolKeys.unknown(id), queryFn: () => api<UnknownCard[]>(`/schools/${enc(id)}/unknown-cards`) });

export interface SchoolReport {
  revision?: number;
  submittedAt?: string | null;
  totals?: Record<string, number>;
}
export const useSchoolReport = (id: string, date: string) =>
  useQuery({ queryKey: ['report', 'school', id, date], queryFn: () => api<SchoolReport>(`/schools/${enc(id)}/reports/daily?date=${date}`), retry: false });
