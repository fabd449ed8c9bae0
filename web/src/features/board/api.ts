/** The board's server state (TanStack Query): the class, its school (zone), the day's rows, a student's recent days. */
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type {
  AttendanceDay,
  AttendanceRow,
  LiveAttendance,
  ManualMark,
  School,
  SchoolClass,
} from '@rfid/protocol';
import { api, enc } from '../../lib/api';

export type ClassInfo = SchoolClass;
export type SchoolInfo = School;
/** A row of `GET /schools/{id}/attendance`. */
export type DayRow = AttendanceRow;
/** A day of `GET /students/{id}/attendance?from&to` (and the answer of the PUT). */
export type StudentDay = AttendanceDay;

export const boardKeys = {
  day: (schoolId: string, date: string) => ['attendance', schoolId, date] as const,
};

export function useClass(classId: string) {
  return useQuery({
    queryKey: ['class', classId],
    queryFn: () => api<ClassInfo>(`/classes/${enc(classId)}`),
    staleTime: 300_000,
  });
}

export function useSchool(schoolId: string | undefined) {
  return useQuery({
    queryKey: ['school', schoolId],
    queryFn: () => api<SchoolInfo>(`/schools/${enc(schoolId!)}`),
    enabled: !!schoolId,
    staleTime: 300_000,
  });
}

export function useClasses(schoolId: string | undefined) {
  return useQuery({
    queryKey: ['classes', schoolId],
    queryFn: () => api<ClassInfo[]>(`/schools/${enc(schoolId!)}/classes`),
    enabled: !!schoolId,
  });
}

/** The school's day (cut by the server to the caller's students); refreshed every minute as a safety net under the live events. */
export function useDay(schoolId: string | undefined, date: string) {
  return useQuery({
    queryKey: boardKeys.day(schoolId ?? '', date),
    queryFn: () => api<DayRow[]>(`/schools/${enc(schoolId!)}/attendance?date=${date}`),
    enabled: !!schoolId,
    refetchInterval: 60_000,
  });
}

/** Apply a live `attendance` event to the cached day; false when the student is not in it (re-read then). */
export function applyLive(qc: QueryClient, a: LiveAttendance): boolean {
  let known = false;
  qc.setQueryData<DayRow[]>(boardKeys.day(a.schoolId, a.date), (rows) => {
    if (!rows) return rows;
    return rows.map((r) => {
      if (r.studentId !== a.studentId) return r;
      known = true;
      // A tap never changes a hand-set status (the server keeps it); only its times move.
      const source = a.tapId === null ? r.source : r.source === 'manual' ? 'manual' : 'tap';
      return { ...r, status: a.status, firstIn: a.firstIn, lastOut: a.lastOut, source };
    });
  });
  return known;
}

export function useStudentDays(studentId: string | null, from: string, to: string) {
  return useQuery({
    queryKey: ['student-days', studentId, from, to],
    queryFn: () => api<StudentDay[]>(`/students/${enc(studentId!)}/attendance?from=${from}&to=${to}`),
    enabled: !!studentId,
  });
}

/** A hand mark of one student: the body of `PUT /students/{id}/attendance/{date}` (`ManualMark`) and whom it is for. */
export type Mark = ManualMark & { studentId: string };

/** Mark one or many students by hand; each answer updates the cached day at once. */
export function useMark(schoolId: string, date: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (marks: Mark[]) => {
      const out: { mark: Mark; day: StudentDay }[] = [];
      // A few at a time: "all the rest" of a class of 40 must not open 40 requests at once.
      for (let i = 0; i < marks.length; i += 6) {
        const part = marks.slice(i, i + 6);
        const days = await Promise.all(
          part.map((m) =>
            api<StudentDay>(`/students/${enc(m.studentId)}/attendance/${date}`, {
              method: 'PUT',
              body: { status: m.status, reason: m.reason },
            }),
          ),
        );
        days.forEach((day, j) => out.push({ mark: part[j]!, day }));
        qc.setQueryData<DayRow[]>(boardKeys.day(schoolId, date), (rows) =>
          rows?.map((r) => {
            const hit = days.findIndex((_, j) => part[j]!.studentId === r.studentId);
            if (hit < 0) return r;
            const d = days[hit]!;
            return {
              ...r,
              status: d.status,
              firstIn: d.firstIn,
              lastOut: d.lastOut,
              source: 'manual',
              reason: d.note,
            };
          }),
        );
      }
      return out;
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['student-days'] }),
  });
}
