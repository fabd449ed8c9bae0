/** A student's last two weeks: status, times, and for a hand-set day the reason. */
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { ErrorBox, Loading } from '../../components/ui';
import { addDays, dateLabel, timeOf } from '../../lib/format';
import { useStudentDays, type DayRow } from './api';

export function HistoryDialog({
  row,
  zone,
  date,
  onClose,
}: {
  row: DayRow;
  zone: string;
  date: string;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const days = useStudentDays(row.studentId, addDays(date, -13), date);
  return (
    <Dialog title={t('board.historyOf', { name: row.name })} onClose={onClose}>
      {days.isPending ? (
        <Loading />
      ) : days.isError ? (
        <ErrorBox error={days.error} />
      ) : days.data.length === 0 ? (
        <p>{t('board.noHistory')}</p>
      ) : (
        <table className="table" data-testid="history">
          <thead>
            <tr>
              <th scope="col">{t('app.date')}</th>
              <th scope="col">{t('board.students')}</th>
              <th scope="col">{t('board.in')}</th>
              <th scope="col">{t('board.out')}</th>
              <th scope="col">{t('board.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {[...days.data].reverse().map((d) => (
              <tr key={d.date}>
                <td>
                  {dateLabel(d.date, i18n.language, { weekday: 'short', day: '2-digit', month: '2-digit' })}
                </td>
                <td>
                  <span className={`chip status-${d.status}`}>{t(`status.${d.status}`)}</span>
                  {d.source === 'manual' && <span className="manual-mark"> ✎ {t('board.manual')}</span>}
                </td>
                <td>{timeOf(d.firstIn, zone, i18n.language)}</td>
                <td>{timeOf(d.lastOut, zone, i18n.language)}</td>
                <td>{d.source === 'manual' ? d.note : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Dialog>
  );
}
