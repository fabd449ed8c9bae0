/** The audit log (admin): newest first, filtered by action prefix. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { AuditRow, Json } from '@rfid/protocol';
import { api } from '../../lib/api';
import { ErrorBox, Loading } from '../../components/ui';
import { DEFAULT_ZONE, timeWithSeconds } from '../../lib/format';

type AuditEntry = Json<AuditRow>;

export function AuditPanel() {
  const { t, i18n } = useTranslation();
  const [action, setAction] = useState('');
  const q = useQuery({
    queryKey: ['audit', action],
    queryFn: () =>
      api<AuditEntry[]>(`/audit?limit=200${action ? `&action=${encodeURIComponent(action)}` : ''}`),
  });
  return (
    <div className="stack">
      <label>
        {t('admin.action')}
        <input value={action} onChange={(e) => setAction(e.target.value.trim())} placeholder="attendance." />
      </label>
      {q.isPending ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} />
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="audit">
            <thead>
              <tr>
                <th scope="col">{t('admin.when')}</th>
                <th scope="col">{t('admin.who')}</th>
                <th scope="col">{t('admin.action')}</th>
                <th scope="col">{t('admin.entity')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((r) => (
                <tr key={r.id}>
                  <td>{timeWithSeconds(r.at, DEFAULT_ZONE, i18n.language)}</td>
                  <td>{r.actor}</td>
                  <td>{r.action}</td>
                  <td>
                    {r.entity} {r.entityId}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
