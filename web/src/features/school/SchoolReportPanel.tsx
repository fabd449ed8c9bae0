/** The school's daily report (reports API, #14) and its submission; "not available" until that API exists. */
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, download, enc } from '../../lib/api';
import { timeOf } from '../../lib/format';
import { ErrorBox, isUnavailable, Loading, Section, Unavailable } from '../../components/ui';
import { useSchoolReport } from './api';

export function SchoolReportPanel({
  schoolId,
  date,
  zone,
}: {
  schoolId: string;
  date: string;
  zone: string;
}) {
  const { t, i18n } = useTranslation();
  const report = useSchoolReport(schoolId, date);
  const qc = useQueryClient();
  const submit = useMutation({
    mutationFn: () =>
      api(`/schools/${enc(schoolId)}/reports/daily/submit?date=${date}`, { method: 'POST', body: { date } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['report', 'school', schoolId, date] }),
  });
  const base = `/schools/${enc(schoolId)}/reports/daily?date=${date}`;
  return (
    <Section title={t('school.report')} id="report">
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        isUnavailable(report.error) ? (
          <Unavailable />
        ) : (
          <ErrorBox error={report.error} />
        )
      ) : (
        <div className="stack" data-testid="school-report">
          <p>
            {report.data.submittedAt
              ? t('school.submittedAt', { time: timeOf(report.data.submittedAt, zone, i18n.language) })
              : t('school.notSubmitted')}
            {report.data.revision !== undefined && ` · ${t('school.revision', { n: report.data.revision })}`}
          </p>
          <div className="row">
            {!report.data.submittedAt && (
              <button type="button" onClick={() => submit.mutate()} disabled={submit.isPending}>
                {t('school.submit')}
              </button>
            )}
            {(['csv', 'xlsx', 'pdf'] as const).map((f) => (
              <button
                key={f}
                type="button"
                className="secondary"
                onClick={() => void download(`${base}&format=${f}`, `bao-cao-${date}.${f}`)}
              >
                {t('report.export')} {f.toUpperCase()}
              </button>
            ))}
          </div>
          {submit.isError && <ErrorBox error={submit.error} />}
        </div>
      )}
    </Section>
  );
}
