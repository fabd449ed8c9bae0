/** The frame of every signed-in page: who is signed in (kept across reloads), the role's links, language, sign-out. */
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { logout } from '../lib/api';
import { closeLive } from '../lib/live';
import { LANGUAGES, setLanguage, type Language } from '../lib/i18n';
import { useSession, type Me } from '../lib/session';

function links(me: Me): { to: string; label: string }[] {
  switch (me.role) {
    case 'teacher':
      return [{ to: '/board', label: 'nav.board' }];
    case 'school':
      return me.schoolId
        ? [
            { to: `/school/${me.schoolId}`, label: 'nav.school' },
            { to: '/admin', label: 'nav.admin' },
          ]
        : [];
    case 'district':
      return me.districtId
        ? [
            { to: `/district/${me.districtId}`, label: 'nav.district' },
            { to: '/admin', label: 'nav.admin' },
          ]
        : [];
    case 'admin':
      return [
        { to: '/province', label: 'nav.province' },
        { to: '/admin', label: 'nav.admin' },
      ];
    case 'parent':
      return [{ to: '/parent', label: 'nav.parent' }];
  }
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('app.language')}</span>
      <select value={i18n.language} onChange={(e) => setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const me = session?.me;
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        {me && (
          <nav aria-label={t('app.nav')}>
            {links(me).map((l) => (
              <NavLink key={l.to} to={l.to}>
                {t(l.label)}
              </NavLink>
            ))}
          </nav>
        )}
        <span className="spacer" />
        {me && (
          <span className="who" data-testid="who">
            <span className="who-name">{me.username}</span>{' '}
            <span className="who-role">{t(`roles.${me.role}`)}</span>
          </span>
        )}
        <LanguageSwitch />
        {me && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              closeLive();
              qc.clear();
              void logout().then(() => navigate('/login'));
            }}
          >
            {t('app.signOut')}
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
