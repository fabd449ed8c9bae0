import { useTranslation } from 'react-i18next';
import { timeOf } from '../../lib/format';
import type { DayRow } from './api';

/** Initials for the photo place: the last word of a Vietnamese name is the given name. */
function initials(name: string): string {
  const words = name.trim().split(/\s+/);
  const last = words[words.length - 1] ?? '';
  return ((words.length > 1 ? (words[0]?.[0] ?? '') : '') + (last[0] ?? '')).toUpperCase();
}

export function StudentTile({
  row,
  zone,
  onMark,
  onHistory,
}: {
  row: DayRow;
  zone: string;
  onMark: () => void;
  onHistory: () => void;
}) {
  const { t, i18n } = useTranslation();
  const inAt = timeOf(row.firstIn, zone, i18n.language);
  const outAt = timeOf(row.lastOut, zone, i18n.language);
  return (
    <li className={`tile status-${row.status}`} data-student={row.studentId} data-status={row.status}>
      <span className="avatar" aria-hidden="true">
        {initials(row.name)}
      </span>
      <button
        type="button"
        className="name link"
        onClick={onHistory}
        title={t('board.historyOf', { name: row.name })}
      >
        {row.name}
      </button>
      <span className={`chip status-${row.status}`}>{t(`status.${row.status}`)}</span>
      <span className="times">
        {inAt && (
          <span>
            {t('board.in')} <time dateTime={row.firstIn ?? undefined}>{inAt}</time>
          </span>
        )}
        {outAt && (
          <span>
            {' · '}
            {t('board.out')} <time dateTime={row.lastOut ?? undefined}>{outAt}</time>
          </span>
        )}
      </span>
      {row.source === 'manual' && (
        <span className="manual" data-testid="manual">
          <span className="manual-mark">✎ {t('board.manual')}</span>
          {row.reason && <span className="reason">{row.reason}</span>}
        </span>
      )}
      <button
        type="button"
        className="secondary small"
        onClick={onMark}
        aria-label={t('board.markFor', { name: row.name })}
      >
        {t('board.actions')}
      </button>
    </li>
  );
}
