/** Students of a school with their guardians and cards: assign a card, report it lost, replace it. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CardView, Student, StudentSummary } from '@rfid/protocol';
import { api, enc } from '../../lib/api';
import { ErrorBox, Loading } from '../../components/ui';

export function StudentsPanel({ schoolId }: { schoolId: string }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['students', schoolId],
    queryFn: () => api<StudentSummary[]>(`/schools/${enc(schoolId)}/students`),
    enabled: !!schoolId,
  });
  if (!schoolId) return <p>{t('admin.schoolSel')}…</p>;
  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorBox error={list.error} />;
  const needle = q.normalize('NFC').toLocaleLowerCase('vi');
  const shown = list.data
    .filter(
      (s) =>
        !needle ||
        s.name.toLocaleLowerCase('vi').includes(needle) ||
        s.studentCode.toLowerCase().includes(needle),
    )
    .slice(0, 200);
  return (
    <div className="stack">
      <label>
        {t('admin.search')}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <table className="table" data-testid="students">
        <thead>
          <tr>
            <th scope="col">{t('admin.code')}</th>
            <th scope="col">{t('board.students')}</th>
            <th scope="col">{t('school.class')}</th>
            <th scope="col">{t('admin.cards')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr key={s.id}>
              <td>{s.studentCode}</td>
              <td className="name">{s.name}</td>
              <td>{s.className}</td>
              <td>
                {open === s.id ? (
                  <StudentCards studentId={s.id} />
                ) : (
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => setOpen(s.id)}
                    aria-label={`${t('admin.cards')}: ${s.name}`}
                  >
                    {t('admin.cards')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StudentCards({ studentId }: { studentId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const cards = useQuery({
    queryKey: ['cards', studentId],
    queryFn: () => api<CardView[]>(`/students/${enc(studentId)}/cards`),
  });
  const detail = useQuery({
    queryKey: ['student', studentId],
    queryFn: () => api<Student>(`/students/${enc(studentId)}`),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['cards', studentId] });
  const assign = useMutation({
    mutationFn: (card: string) =>
      api(`/students/${enc(studentId)}/cards`, { method: 'POST', body: { card } }),
    onSuccess: refresh,
  });
  const lost = useMutation({
    mutationFn: (id: string) => api(`/cards/${enc(id)}/lost`, { method: 'POST' }),
    onSuccess: refresh,
  });
  const submit = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const card = String(new FormData(ev.currentTarget).get('card')).trim();
    if (card) assign.mutate(card);
  };
  return (
    <div className="stack">
      {detail.data?.guardians && detail.data.guardians.length > 0 && (
        <p>
          {t('admin.guardians')}:{' '}
          {detail.data.guardians.map((g) => `${g.name}${g.phone ? ` (${g.phone})` : ''}`).join(', ')}
        </p>
      )}
      {cards.isPending ? (
        <Loading />
      ) : cards.isError ? (
        <ErrorBox error={cards.error} />
      ) : (
        <ul>
          {cards.data.map((c) => (
            <li key={c.id}>
              {c.printed ?? c.text} — {t(`admin.cardStatus.${c.status}`)}{' '}
              {c.status === 'active' && (
                <button type="button" className="secondary small" onClick={() => lost.mutate(c.id)}>
                  {t('admin.lost')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form className="row" onSubmit={submit}>
        <label>
          {t('admin.cardNo')}
          <input name="card" required />
        </label>
        <button type="submit" className="small">
          {cards.data?.some((c) => c.status === 'active') ? t('admin.replace') : t('admin.assign')}
        </button>
      </form>
      {(assign.isError || lost.isError) && <ErrorBox error={assign.error ?? lost.error} />}
    </div>
  );
}
