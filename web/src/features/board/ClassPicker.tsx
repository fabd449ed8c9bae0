/** `/board`: a teacher with several classes (or staff) chooses one. */
import { Link } from 'react-router';
import { useQueries } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, enc } from '../../lib/api';
import { useSession } from '../../lib/session';
import { ErrorBox, Loading } from '../../components/ui';
import type { ClassInfo } from './api';

export default function ClassPicker() {
  const { t } = useTranslation();
  const me = useSession()!.me;
  const classes = useQueries({
    queries: me.classIds.map((id) => ({
      queryKey: ['class', id],
      queryFn: () => api<ClassInfo>(`/classes/${enc(id)}`),
      staleTime: 300_000,
    })),
  });
  return (
    <div className="panel narrow">
      <h1>{t('board.chooseClass')}</h1>
      {me.classIds.length === 0 && <p>{t('board.noClasses')}</p>}
      <ul className="links">
        {classes.map((q, i) =>
          q.isPending ? (
            <li key={i}>
              <Loading />
            </li>
          ) : q.isError ? (
            <li key={i}>
              <ErrorBox error={q.error} />
            </li>
          ) : (
            <li key={q.data.id}>
              <Link to={`/board/${q.data.id}`}>{t('board.title', { name: q.data.name })}</Link>
            </li>
          ),
        )}
      </ul>
    </div>
  );
}
