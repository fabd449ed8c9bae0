/** Sign-in: the last username is filled in; after sign-in the user goes where they were going, or to their role's home. */
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, login } from '../../lib/api';
import { errorText } from '../../lib/errors';
import { homeOf, lastUsername, useSession } from '../../lib/session';
import { LanguageSwitch } from '../../app/Layout';

export default function LoginPage() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const from = (useLocation().state as { from?: string } | null)?.from;
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (session && !busy) return <Navigate to={from ?? homeOf(session.me)} replace />;

  const submit = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget);
    setBusy(true);
    setError('');
    login(String(form.get('username')), String(form.get('password')))
      .then((s) => navigate(from ?? homeOf(s.me), { replace: true }))
      .catch((e: unknown) =>
        setError(e instanceof ApiError && e.status === 401 ? t('errors.badLogin') : errorText(t, e)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <main id="main" className="login-page">
      <div className="login-top">
        <LanguageSwitch />
      </div>
      <form className="panel narrow login" onSubmit={submit} aria-labelledby="login-h">
        <p className="brand">{t('app.title')}</p>
        <h1 id="login-h">{t('login.title')}</h1>
        <label>
          {t('login.username')}
          <input name="username" autoComplete="username" required defaultValue={lastUsername()} />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <p className="error" role="alert" data-testid="login-error">
          {error}
        </p>
      </form>
    </main>
  );
}
