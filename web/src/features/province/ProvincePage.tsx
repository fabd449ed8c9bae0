/** The province's day: one row per district (schools, submitted, missing), the rate chart, drill-down to a district, exports. */
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { ProvinceDailyReport } from '@rfid/protocol';
import { api, download } from '../../lib/api';
import { isIsoDate, todayIn } from '../../lib/format';
import { DayPicker, ErrorBox, isUnavailable, Loading, Section, Unavailable } from '../../components/ui';
import { ReportTable, type ReportRow } from '../../components/ReportTable';
import { RateChart } from '../../components/RateChart';

export default function ProvincePage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const today = todayIn();
  const date = isIsoDate(params.get('date')) ? params.get('date')! : today;
  const report = useQuery({
    queryKey: ['report', 'province', date],
    queryFn: () => api<ProvinceDailyReport>(`/reports/daily?date=${date}`),
    retry: false,
  });
  const districts = useQuery({
    queryKey: ['districts'],
    queryFn: () => api<{ id: string; name: string }[]>('/districts'),
    staleTime: 300_000,
  });
  const rows: ReportRow[] = useMemo(
    () => (report.data?.districts ?? []).map((r) => ({ ...r, id: r.districtId, amended: r.amended > 0 })),
    [report.data],
  );
  return (
    <div>
      <div className="page-head">
        <h1>{t('nav.province')}</h1>
        <DayPicker date={date} onChange={(d) => setParams(d === today ? {} : { date: d })} />
      </div>
      {report.isPending ? (
        <Loading />
      ) : report.isError ? (
        <>
          {isUnavailable(report.error) ? <Unavailable /> : <ErrorBox error={report.error} />}
          <Section title={t('report.district')} id="districts">
            <ul className="links">
              {(districts.data ?? []).map((d) => (
                <li key={d.id}>
                  <Link to={`/district/${d.id}`}>{d.name}</Link>
                </li>
              ))}
            </ul>
          </Section>
        </>
      ) : (
        <>
          <Section
            title={t('report.title')}
            id="province-report"
            actions={
              <div className="row">
                {(['csv', 'xlsx'] as const).map((f) => (
                  <button
                    key={f}
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void download(`/reports/daily?date=${date}&format=${f}`, `bao-cao-tinh-${date}.${f}`)
                    }
                  >
                    {t('report.export')} {f.toUpperCase()}
                  </button>
                ))}
              </div>
            }
          >
            <ReportTable
              rows={rows}
              kind="district"
              link={(r) => <Link to={`/district/${r.id}?date=${date}`}>{r.name}</Link>}
            />
          </Section>
          <Section title={t('report.chart')} id="province-chart">
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
