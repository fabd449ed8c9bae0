import { useTranslation } from 'react-i18next';
import { Unavailable } from '../../components/ui';

export default function SchoolPage() {
  const { t } = useTranslation();
  return (
    <div className="panel">
      <h1>{t('app.title')}</h1>
      <Unavailable />
    </div>
  );
}
