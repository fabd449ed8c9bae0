import { useTranslation } from 'react-i18next';
import type { AttendanceStatus } from '@rfid/protocol';
import type { DayRow } from './api';

export const STATUSES: AttendanceStatus[] = ['present', 'late', 'absent', 'excused', 'pending'];

export function countOf(rows: { status: AttendanceStatus }[]): Record<AttendanceStatus, number> {
  const c: Record<AttendanceStatus, number> = { present: 0, late: 0, absent: 0, excused: 0, pending: 0 };
  for (const r of rows) c[r.status]++;
  return c;
}

export function Counters({ rows }: { rows: DayRow[] }) {
  const { t } = useTranslation();
  const c = countOf(rows);
  return (
    <dl className="counters" aria-label={t('board.counters')} data-testid="counters">
      <div className="counter total">
        <dt>{t('board.total')}</dt>
        <dd>{rows.length}</dd>
      </div>
      {STATUSES.map((s) => (
        <div key={s} className={`counter status-${s}`} data-status={s}>
          <dt>{t(`status.${s}`)}</dt>
          <dd>{c[s]}</dd>
        </div>
      ))}
    </dl>
  );
}
