/** The school view's server state. */
import { useQuery } from '@tanstack/react-query';
import type {
  AttendanceRow,
  GatewayView,
  School as SchoolView,
  SchoolClass as ClassView,
  SchoolDailyReport,
  SchoolTap,
  UnknownCard as UnknownView,
} from '@rfid/protocol';
import { api, enc } from '../../lib/api';

export type School = SchoolView;
export type SchoolClass = ClassView;
export type DayRow = AttendanceRow;
export type Tap = SchoolTap;
export type Device = GatewayView;
export type UnknownCard = UnknownView;

export const schoolKeys = {
  day: (id: string, date: string) => ['attendance', id, date] as const,
  taps: (id: string, date: string) => ['taps', id, date] as const,
  devices: (id: string) => ['devices', id] as const,
  unknown: (id: string) => ['unknown-cards', id] as const,
};

export const useSchool = (id: string) =>
  useQuery({
    queryKey: ['school', id],
    queryFn: () => api<School>(`/schools/${enc(id)}`),
    staleTime: 300_000,
  });
export const useClasses = (id: string) =>
  useQuery({ queryKey: ['classes', id], queryFn: () => api<SchoolClass[]>(`/schools/${enc(id)}/classes`) });
export const useDay = (id: string, date: string) =>
  useQuery({
    queryKey: schoolKeys.day(id, date),
    queryFn: () => api<DayRow[]>(`/schools/${enc(id)}/attendance?date=${date}`),
    refetchInterval: 60_000,
  });
export const useTaps = (id: string, date: string) =>
  useQuery({
    queryKey: schoolKeys.taps(id, date),
    queryFn: () => api<Tap[]>(`/schools/${enc(id)}/taps?date=${date}`),
  });
export const useDevices = (id: string) =>
  useQuery({
    queryKey: schoolKeys.devices(id),
    queryFn: () => api<Device[]>(`/schools/${enc(id)}/devices`),
    refetchInterval: 30_000,
  });
export const useUnknown = (id: string) =>
  useQuery({
    queryKey: schoolKeys.unknown(id),
    queryFn: () => api<UnknownCard[]>(`/schools/${enc(id)}/unknown-cards`),
  });

export const useSchoolReport = (id: string, date: string) =>
  useQuery({
    queryKey: ['report', 'school', id, date],
    queryFn: () => api<SchoolDailyReport>(`/schools/${enc(id)}/reports/daily?date=${date}`),
    retry: false,
  });
