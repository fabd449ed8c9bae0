/** Mark one student, or all the rest (not yet in or absent), present or excused — always with a reason. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog';
import { errorText } from '../../lib/errors';
import { useMark, type DayRow } from './api';

export type MarkTarget = { kind: 'one'; row: DayRow } | { kind: 'rest'; rows: DayRow[] };

export function MarkDialog({
  target,
  schoolId,
  date,
  future,
  onClose,
}: {
  target: MarkTarget;
  schoolId: string;
  date: string;
  future: boolean;
  onClose: (saved?: string) => void;
}) {
  const { t } = useTranslation();
  const mark = useMark(schoolId, date);
  const rows = target.kind === 'one' ? [target.row] : target.rows;
  const [status, setStatus] = useState<'present' | 'excused'>(
    future ? 'excused' : target.kind === 'one' && target.row.status === 'excused' ? 'excused' : 'present',
  );
  const [reason, setReason] = useState(target.kind === 'one' ? (target.row.reason ?? '') : '');
  const [error, setError] = useState('');
  const title =
    target.kind === 'one'
      ? t('board.markFor', { name: target.row.name })
      : t('board.markRestTitle', { count: rows.length });

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const why = reason.normalize('NFC').trim();
    if (!why) return setError(t('board.reasonRequired'));
    setError('');
    mark.mutate(
      rows.map((r) => ({ studentId: r.studentId, status, reason: why })),
      {
        onSuccess: () =>
          onClose(
            target.kind === 'one'
              ? t('board.saved', { name: target.row.name, status: t(`status.${status}`) })
              : t('board.savedMany', { count: rows.length }),
          ),
        onError: (e) => setError(errorText(t, e)),
      },
    );
  };

  return (
    <Dialog title={title} onClose={() => onClose()}>
      <form onSubmit={submit} className="stack" data-testid="mark-form">
        <fieldset className="choice">
          <legend className="visually-hidden">{title}</legend>
          <label>
            <input
              type="radio"
              name="status"
              value="present"
              checked={status === 'present'}
              disabled={future}
              onChange={() => setStatus('present')}
            />{' '}
            {t('board.markPresent')}
          </label>
          <label>
            <input
              type="radio"
              name="status"
              value="excused"
              checked={status === 'excused'}
              onChange={() => setStatus('excused')}
            />{' '}
            {t('board.markExcused')}
          </label>
        </fieldset>
        {future && <p className="hint">{t('board.futurePresent')}</p>}
        {target.kind === 'rest' && (
          <ul className="names">
            {rows.map((r) => (
              <li key={r.studentId}>{r.name}</li>
            ))}
          </ul>
        )}
        <label>
          {t('board.reason')}
          <input
            name="reason"
            value={reason}
            maxLength={500}
            placeholder={t('board.reasonHint')}
            onChange={(e) => setReason(e.target.value)}
            aria-required="true"
            autoFocus
          />
        </label>
        <p className="error" role="alert">
          {error}
        </p>
        <div className="row">
          <button type="submit" disabled={mark.isPending}>
            {t('app.save')}
          </button>
          <button type="button" className="secondary" onClick={() => onClose()}>
            {t('app.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
