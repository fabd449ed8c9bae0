/** Gateways of a school: register one (its credentials shown once, with a ready config file to download), revoke. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GatewayView, RegisteredGatewayView } from '@rfid/protocol';
import { api, enc } from '../../lib/api';
import { ErrorBox, Loading } from '../../components/ui';

export function DevicesPanel({ schoolId }: { schoolId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [creds, setCreds] = useState<RegisteredGatewayView | null>(null);
  const list = useQuery({
    queryKey: ['devices', schoolId],
    queryFn: () => api<GatewayView[]>(`/schools/${enc(schoolId)}/devices`),
    enabled: !!schoolId,
  });
  const register = useMutation({
    mutationFn: () =>
      api<RegisteredGatewayView>('/devices', {
        method: 'POST',
        body: { schoolId, name: name.normalize('NFC').trim() },
      }),
    onSuccess: (c) => {
      setCreds(c);
      setName('');
      void qc.invalidateQueries({ queryKey: ['devices', schoolId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/devices/${enc(id)}`, { method: 'DELETE' }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['devices', schoolId] }),
  });
  if (!schoolId) return <p>{t('admin.schoolSel')}…</p>;
  // The server's own config file for this gateway: its broker URL (TLS when on), the CA to trust, the school's zone.
  const config = creds?.config;
  const configUrl = config
    ? URL.createObjectURL(new Blob([JSON.stringify(config, null, 2)], { type: 'application/json' }))
    : '';
  return (
    <div className="stack">
      <form
        className="row"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          register.mutate();
        }}
      >
        <label>
          {t('admin.deviceName')}
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <button type="submit" disabled={register.isPending}>
          {t('admin.register')}
        </button>
      </form>
      {register.isError && <ErrorBox error={register.error} />}
      {creds && (
        <div className="panel" role="status" data-testid="credentials">
          <h3>{t('admin.credentials')}</h3>
          <p className="secret">
            gatewayId: {creds.gatewayId}
            <br />
            mqttUsername: {creds.mqttUsername}
            <br />
            mqttPassword: {creds.mqttPassword}
          </p>
          <a href={configUrl} download={`gateway-${creds.gatewayId}.json`}>
            {t('admin.downloadConfig')}
          </a>
        </div>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorBox error={list.error} />
      ) : (
        <table className="table">
          <tbody>
            {list.data
              .filter((d) => !d.revokedAt)
              .map((d) => (
                <tr key={d.gatewayId}>
                  <th scope="row">{d.name}</th>
                  <td className={d.online ? 'badge-on' : 'badge-off'}>
                    {d.online ? t('school.online') : t('school.offline')}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => revoke.mutate(d.gatewayId)}
                    >
                      {t('admin.revoke')}
                    </button>
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
