/** A district's day: one row per school (missing and amended highlighted), the rate chart, drill-down to a school, exports. */
import { useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { DistrictDailyReport } from '@rfid/protocol';
import { api, download, enc } from '../../lib/api';
import { isIsoDate, todayIn } from '../../lib/format';
import { DayPicker, ErrorBox, isUnavailable, Loading, Section, Unavailable } from '../../components/ui';
import { ReportTable, type ReportRow } from '../../components/ReportTable';
import { RateChart } from '../../components/RateChart';

export default function DistrictPage() {
  const { t } = useTranslation();
  const { districtId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const today = todayIn();
  const date = isIsoDate(params.get('date')) ? params.get('date')! : today;
  const districts = useQuery({
    queryKey: ['districts'],
    queryFn: () => api<{ id: string; name: string }[]>('/districts'),
    staleTime: 300_000,
  });
  const report = useQuery({
    queryKey: ['report', 'district', districtId, date],
    queryFn: () => api<DistrictDailyReport>(`/districts/${enc(districtId)}/reports/daily?date=${date}`),
    retry: false,
  });
  // One row per school; a school without a school day that date (a holiday) is not missing.
  const rows: ReportRow[] = useMemo(
    () => (report.data?.schools ?? []).map((r) => ({ ...r, id: r.schoolId })),
    [report.data],
  );
  const name = report.data?.name ?? districts.data?.find((d) => d.id === districtId)?.name ?? '';
  const missing = report.data?.totals.missing ?? 0;
  const base = `/districts/${enc(districtId)}/reports/daily?date=${date}`;
  return (
    <div>
      <div className="page-head">
        <h1>
          {t('report.title')} {name}
        </h1>
        <DayPicker date={date} onChange={(d) => setParams(d === today ? {} : { date: d })} />
      </div>
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        isUnavailable(report.error) ? (
          <Unavailable />
        ) : (
          <ErrorBox error={report.error} />
        )
      ) : (
        <>
          <Section
            title={t('report.title')}
            id="district-report"
            actions={
              <div className="row">
                {(['csv', 'xlsx'] as const).map((f) => (
                  <button
                    key={f}
                    type="button"
                    className="secondary small"
                    onClick={() => void download(`${base}&format=${f}`, `bao-cao-${date}.${f}`)}
                  >
                    {t('report.export')} {f.toUpperCase()}
                  </button>
                ))}
              </div>
            }
          >
            {missing > 0 && <p className="error">{t('report.missingCount', { count: missing })}</p>}
            <ReportTable
              rows={rows}
              kind="school"
              link={(r) => <Link to={`/school/${r.id}?date=${date}`}>{r.name}</Link>}
            />
          </Section>
          <Section title={t('report.chart')} id="district-chart">
            <RateChart
              title={t('report.rate')}
              points={rows.map((r) => ({
                label: r.name,
                rate: r.enrolled ? (r.present + r.late) / r.enrolled : 0,
              }))}
            />
          </Section>
        </>
      )}
    </div>
  );
}
