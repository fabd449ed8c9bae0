/** Unknown-card taps (last 24 h), each with "enrol this card" to one of the school's students. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { api, enc } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { timeOf } from '../../lib/format';
import { Dialog } from '../../components/Dialog';
import { ErrorBox, Loading } from '../../components/ui';
import type { DayRow, UnknownCard } from './api';

export function UnknownCards({
  schoolId,
  query,
  zone,
  students,
}: {
  schoolId: string;
  query: UseQueryResult<UnknownCard[]>;
  zone: string;
  students: DayRow[];
}) {
  const { t, i18n } = useTranslation();
  const [enrolling, setEnrolling] = useState<UnknownCard | null>(null);
  const [notice, setNotice] = useState('');
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorBox error={query.error} />;
  return (
    <>
      <p className="notice" role="status">
        {notice}
      </p>
      {query.data.length === 0 ? (
        <p>{t('school.unknownEmpty')}</p>
      ) : (
        <ul className="feed" data-testid="unknown">
          {query.data.map((u) => (
            <li key={u.card} data-card={u.card}>
              <time dateTime={u.lastAt}>{timeOf(u.lastAt, zone, i18n.language)}</time>
              <span>
                {u.card} · {u.terminal} · ×{u.taps}
                {u.retired?.studentName && (
                  <span className="badge-off">
                    {' '}
                    ({t('school.lostCard', { name: u.retired.studentName })})
                  </span>
                )}
              </span>
              <button
                type="button"
                className="secondary small"
                onClick={() => setEnrolling(u)}
                aria-label={`${t('school.enrol')} ${u.card}`}
              >
                {t('school.enrol')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {enrolling && (
        <EnrolDialog
          schoolId={schoolId}
          card={enrolling}
          students={students}
          onClose={(msg) => {
            setEnrolling(null);
            if (msg) setNotice(msg);
          }}
        />
      )}
    </>
  );
}

function EnrolDialog({
  schoolId,
  card,
  students,
  onClose,
}: {
  schoolId: string;
  card: UnknownCard;
  students: DayRow[];
  onClose: (msg?: string) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [studentId, setStudentId] = useState('');
  const [error, setError] = useState('');
  const enrol = useMutation({
    mutationFn: (id: string) =>
      api(`/students/${enc(id)}/cards`, { method: 'POST', body: { fromTapId: card.lastTapId } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['unknown-cards', schoolId] }),
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (!studentId) return;
    const name = students.find((s) => s.studentId === studentId)?.name ?? '';
    enrol.mutate(studentId, {
      onSuccess: () => onClose(t('school.enrolled_ok', { name })),
      onError: (e) => setError(errorText(t, e)),
    });
  };
  return (
    <Dialog title={t('school.enrolTo', { card: card.card })} onClose={() => onClose()}>
      <form className="stack" onSubmit={submit}>
        <label>
          {t('school.student')}
          <select value={studentId} onChange={(e) => setStudentId(e.target.value)} required>
            <option value="" />
            {students.map((s) => (
              <option key={s.studentId} value={s.studentId}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <p className="error" role="alert">
          {error}
        </p>
        <div className="row">
          <button type="submit" disabled={enrol.isPending}>
            {t('school.enrol')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
