/**
 * Message texts, Vietnamese first (with diacritics) and English: the one place they are written.
 * Names are never split or abbreviated (`Y Liên` stays `Y Liên`); times are in the school's zone.
 * `params` are the ZNS `template_data` fields (each within ZNS's 30-character limit per value
 * where the value allows; names are not cut, ZNS templates declare `student_name` long enough).
 */
import { zonedTime } from '@rfid/protocol';

export type Locale = 'vi' | 'en';
export type ParentEvent = 'check_in' | 'check_out' | 'absent';
export const PARENT_EVENTS: readonly ParentEvent[] = ['check_in', 'check_out', 'absent'];

export interface TemplateInput {
  event: string;
  studentName: string;
  className: string;
  schoolName: string;
  /** The event's instant (tap time, or the absence cut-off run). */
  at: Date;
  /** The school-local day the event is about (`YYYY-MM-DD`). */
  day: string;
  timeZone: string;
  late?: boolean;
}

export interface Rendered {
  title: string;
  text: string;
  params: Record<string, string>;
}

function vnDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}/${m}/${y}`;
}

/** `HH:MM` of an instant in a zone. */
export function localHHMM(at: Date, timeZone: string): string {
  return zonedTime(at, timeZone).time.slice(0, 5);
}

const TEXTS: Record<
  Locale,
  Record<
    ParentEvent,
    (v: { name: string; time: string; date: string; school: string; cls: string; late: boolean }) => {
      title: string;
      text: string;
    }
  >
> = {
  vi: {
    check_in: (v) => ({
      title: `${v.name} đã đến trường`,
      text: `Em ${v.name} (lớp ${v.cls}) đã đến trường ${v.school} lúc ${v.time} ngày ${v.date}${v.late ? ' (đi muộn)' : ''}.`,
    }),
    check_out: (v) => ({
      title: `${v.name} đã ra về`,
      text: `Em ${v.name} (lớp ${v.cls}) đã ra về khỏi trường ${v.school} lúc ${v.time} ngày ${v.date}.`,
    }),
    absent: (v) => ({
      title: `${v.name} chưa đến trường`,
      text: `Em ${v.name} (lớp ${v.cls}) chưa đến trường ${v.school} ngày ${v.date} (đến ${v.time}). Quý phụ huynh vui lòng liên hệ nhà trường nếu em nghỉ học.`,
    }),
  },
  en: {
    check_in: (v) => ({
      title: `${v.name} arrived at school`,
      text: `${v.name} (class ${v.cls}) arrived at ${v.school} at ${v.time} on ${v.date}${v.late ? ' (late)' : ''}.`,
    }),
    check_out: (v) => ({
      title: `${v.name} left school`,
      text: `${v.name} (class ${v.cls}) left ${v.school} at ${v.time} on ${v.date}.`,
    }),
    absent: (v) => ({
      title: `${v.name} has not arrived`,
      text: `${v.name} (class ${v.cls}) has not arrived at ${v.school} on ${v.date} (as of ${v.time}). Please contact the school if your child is absent.`,
    }),
  },
};

export function isParentEvent(e: string): e is ParentEvent {
  return (PARENT_EVENTS as readonly string[]).includes(e);
}

/** The title, text and ZNS fields of a parent message. */
export function render(input: TemplateInput, locale: Locale = 'vi'): Rendered {
  if (!isParentEvent(input.event)) throw new Error(`no template for event ${input.event}`);
  const time = localHHMM(input.at, input.timeZone);
  const date = vnDate(input.day);
  const late = input.late === true;
  const { title, text } = TEXTS[locale][input.event]({
    name: input.studentName,
    time,
    date,
    school: input.schoolName,
    cls: input.className,
    late,
  });
  return {
    title,
    text,
    params: {
      student_name: input.studentName,
      class_name: input.className,
      school_name: input.schoolName,
      time,
      date,
      ...(late ? { note: locale === 'vi' ? 'đi muộn' : 'late' } : {}),
    },
  };
}

/** Events of messages to a school's staff (not parents): the school's webhook. */
export type StaffEvent = 'devices_offline' | 'devices_online' | 'lost_card';
export const STAFF_EVENTS: readonly StaffEvent[] = ['devices_offline', 'devices_online', 'lost_card'];

export function isStaffEvent(e: string): e is StaffEvent {
  return (STAFF_EVENTS as readonly string[]).includes(e);
}

/** One device of an outage alert: a gateway (`terminal` empty) or a terminal behind it. */
export interface AlertDevice {
  gatewayId: string;
  gatewayName: string;
  terminal: string;
  since: string;
}

export interface StaffTemplateInput {
  event: StaffEvent;
  schoolName: string;
  at: Date;
  day: string;
  timeZone: string;
  /** `staff_alerts.details`: `devices`, `districtWide`, `districtName`, `districtSchools`; lost card: `card`, `studentName`, `terminal`, `gatewayName`, `tapAt`. */
  details: Record<string, unknown>;
}

function deviceLabel(d: AlertDevice, locale: Locale): string {
  if (!d.terminal) return locale === 'vi' ? `bộ thu ${d.gatewayName}` : `gateway ${d.gatewayName}`;
  return locale === 'vi'
    ? `đầu đọc ${d.terminal} (bộ thu ${d.gatewayName})`
    : `terminal ${d.terminal} (gateway ${d.gatewayName})`;
}

/** The title, text and fields of a message to the school's staff. */
export function renderStaff(input: StaffTemplateInput, locale: Locale = 'vi'): Rendered {
  const time = localHHMM(input.at, input.timeZone);
  const date = vnDate(input.day);
  const d = input.details;
  const devices = (Array.isArray(d.devices) ? d.devices : []) as AlertDevice[];
  const list = devices.map((x) => deviceLabel(x, locale)).join(', ');
  const params: Record<string, string> = { school_name: input.schoolName, time, date };
  const vi = locale === 'vi';
  if (input.event === 'lost_card') {
    const tapTime = localHHMM(new Date(String(d.tapAt)), input.timeZone);
    const who = typeof d.studentName === 'string' ? d.studentName : '';
    params.card = String(d.card ?? '');
    params.student_name = who;
    return {
      title: vi ? 'Thẻ đã báo mất được quẹt ở cổng' : 'A lost card was used at the gate',
      text: vi
        ? `Thẻ ${String(d.card)}${who ? ` của em ${who}` : ''} đã báo mất được quẹt tại đầu đọc ${String(d.terminal)} (bộ thu ${String(d.gatewayName)}) trường ${input.schoolName} lúc ${tapTime} ngày ${date}.`
        : `Card ${String(d.card)}${who ? ` of ${who}` : ''}, reported lost, was used at terminal ${String(d.terminal)} (gateway ${String(d.gatewayName)}) of ${input.schoolName} at ${tapTime} on ${date}.`,
      params,
    };
  }
  params.devices = list;
  const wide =
    d.districtWide === true
      ? vi
        ? ` Mất kết nối diện rộng: ${String(d.districtSchools)} trường của ${String(d.districtName)} cùng mất kết nối, có thể do đường truyền của khu vực.`
        : ` District-wide drop: ${String(d.districtSchools)} schools of ${String(d.districtName)} lost their link at once, likely the area's network.`
      : '';
  if (input.event === 'devices_offline') {
    // Since when: the time, and the date too for an outage that began on an earlier day.
    const since = devices
      .map((x) => {
        const z = zonedTime(new Date(x.since), input.timeZone);
        const hhmm = z.time.slice(0, 5);
        if (z.date === input.day) return hhmm;
        return vi ? `${hhmm} ngày ${vnDate(z.date)}` : `${hhmm} on ${vnDate(z.date)}`;
      })
      .join(', ');
    const today = devices.every((x) => zonedTime(new Date(x.since), input.timeZone).date === input.day)
      ? vi
        ? ` ngày ${date}`
        : ` on ${date}`
      : '';
    const again = d.reminder === true ? (vi ? 'Nhắc lại: ' : 'Reminder: ') : '';
    return {
      title: vi
        ? `${again}Mất kết nối thiết bị điểm danh (${devices.length})`
        : `${again}Attendance devices offline (${devices.length})`,
      text: vi
        ? `${again}Trường ${input.schoolName}: ${list} mất kết nối từ ${since}${today}; học sinh quẹt thẻ có thể chưa được ghi nhận.${wide}`
        : `${again}${input.schoolName}: ${list} offline since ${since}${today}; taps may not be recorded.${wide}`,
      params,
    };
  }
  return {
    title: vi ? 'Thiết bị điểm danh đã kết nối lại' : 'Attendance devices back online',
    text: vi
      ? `Trường ${input.schoolName}: ${list} đã kết nối lại lúc ${time} ngày ${date}.`
      : `${input.schoolName}: ${list} back online at ${time} on ${date}.`,
    params,
  };
}
