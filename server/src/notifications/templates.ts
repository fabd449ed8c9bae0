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
