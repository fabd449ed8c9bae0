import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="panel narrow" role="alert" data-testid="not-found">
      <h1>{t('errors.notFound')}</h1>
      <p>
        <Link to="/">{t('app.home')}</Link>
      </p>
    </div>
  );
}
