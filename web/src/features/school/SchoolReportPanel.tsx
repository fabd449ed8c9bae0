/**
 * The school's daily report (`GET /schools/{id}/reports/daily?date=`) and its submission
 * (`POST /schools/{id}/reports/daily/submit` with `{ date }`, answering the report as submitted):
 * "submit" while not submitted, "submit again" once a newer revision than the submitted one exists.
 */
import { useTranslation } from 'react-i18next';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { SchoolDailyReport } from '@rfid/protocol';
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
      api<SchoolDailyReport>(`/schools/${enc(schoolId)}/reports/daily/submit`, {
        method: 'POST',
        body: { date },
      }),
    onSuccess: (submitted) => {
      qc.setQueryData(['report', 'school', schoolId, date], submitted);
      // The district's table shows this school as submitted now.
      void qc.invalidateQueries({ queryKey: ['report', 'district'] });
    },
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
            {report.data.submittedRevision !== null &&
              ` · ${t('school.revision', { n: report.data.submittedRevision })}`}
            {report.data.amended && ` · ${t('report.amended')}`}
          </p>
          <div className="row">
            {(!report.data.submittedAt || report.data.amended) && (
              <button type="button" onClick={() => submit.mutate()} disabled={submit.isPending}>
                {report.data.submittedAt ? t('school.resubmit') : t('school.submit')}
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
