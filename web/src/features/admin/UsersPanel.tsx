/** Users in scope, and a form to create one (teachers with their classes). Only roles the caller may create are offered. */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Json, UserView } from '@rfid/protocol';
import { api, enc } from '../../lib/api';
import { useSession, type Role } from '../../lib/session';
import { ErrorBox, Loading } from '../../components/ui';

type UserRow = Json<UserView>;

const CREATABLE: Record<Role, Role[]> = {
  admin: ['admin', 'district', 'school', 'teacher', 'parent'],
  district: ['district', 'school', 'teacher', 'parent'],
  school: ['school', 'teacher', 'parent'],
  teacher: [],
  parent: [],
};

export function UsersPanel({ schoolId }: { schoolId: string }) {
  const { t } = useTranslation();
  const me = useSession()!.me;
  const qc = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<UserRow[]>('/users') });
  const classes = useQuery({
    queryKey: ['classes', schoolId],
    queryFn: () => api<{ id: string; name: string }[]>(`/schools/${enc(schoolId)}/classes`),
    enabled: !!schoolId,
  });
  const [role, setRole] = useState<Role>('teacher');
  const [classIds, setClassIds] = useState<string[]>([]);
  const [done, setDone] = useState('');
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<{ id: string }>('/users', { method: 'POST', body }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['users'] }),
  });
  const submit = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const f = new FormData(ev.currentTarget);
    const form = ev.currentTarget;
    const body: Record<string, unknown> = {
      username: String(f.get('username')).normalize('NFC').trim(),
      password: String(f.get('password')),
      role,
    };
    if (role === 'school' || role === 'teacher') body.schoolId = schoolId || me.schoolId;
    if (role === 'teacher') body.classIds = classIds;
    if (role === 'district') body.districtId = me.districtId ?? undefined;
    create.mutate(body, {
      onSuccess: () => {
        setDone(`${t('admin.created')}: ${String(body.username)}`);
        form.reset();
      },
    });
  };
  return (
    <div className="stack">
      <form className="stack" onSubmit={submit} aria-label={t('admin.newUser')}>
        <h3>{t('admin.newUser')}</h3>
        <div className="row">
          <label>
            {t('login.username')}
            <input name="username" required pattern="[\p{L}\p{N}_.@+\-]{3,64}" autoComplete="off" />
          </label>
          <label>
            {t('login.password')}
            <input
              name="password"
              type="password"
              required
              minLength={12}
              autoComplete="new-password"
              aria-describedby="pw-hint"
            />
            <span id="pw-hint" className="hint">
              {t('admin.passwordHint')}
            </span>
          </label>
          <label>
            {t('admin.role')}
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {CREATABLE[me.role].map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
          </label>
          {role === 'teacher' && (
            <label>
              {t('admin.classSel')}
              <select
                multiple
                value={classIds}
                onChange={(e) => setClassIds([...e.target.selectedOptions].map((o) => o.value))}
              >
                {(classes.data ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="submit" disabled={create.isPending}>
            {t('admin.newUser')}
          </button>
        </div>
        <p className="notice" role="status">
          {done}
        </p>
        {create.isError && <ErrorBox error={create.error} />}
      </form>
      {users.isPending ? (
        <Loading />
      ) : users.isError ? (
        <ErrorBox error={users.error} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('login.username')}</th>
              <th scope="col">{t('admin.role')}</th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td>{u.username}</td>
                <td>{t(`roles.${u.role}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
