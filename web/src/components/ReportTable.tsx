/** The daily report table of a district (one row per school) or the province (one per district): missing and amended rows highlighted. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { percent } from '../lib/format';

export interface ReportRow {
  id: string;
  name: string;
  enrolled: number;
  present: number;
  late: number;
  absent: number;
  excused: number;
  /** School rows: when submitted (null = missing); amended after submission. */
  submittedAt?: string | null;
  amended?: boolean;
  /** School rows: false when the date is not a school day there (a holiday): not missing. */
  schoolDay?: boolean;
  /** District rows of the province. */
  schools?: number;
  submitted?: number;
  missing?: number;
}

const COUNTS = ['enrolled', 'present', 'late', 'absent', 'excused'] as const;

export function ReportTable({
  rows,
  kind,
  link,
}: {
  rows: ReportRow[];
  kind: 'school' | 'district';
  link: (r: ReportRow) => ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const total = COUNTS.reduce(
    (acc, k) => ({ ...acc, [k]: rows.reduce((a, r) => a + r[k], 0) }),
    {} as Record<(typeof COUNTS)[number], number>,
  );
  const label = (k: (typeof COUNTS)[number]) => (k === 'enrolled' ? t('report.enrolled') : t(`status.${k}`));
  return (
    <div className="table-wrap">
      <table className="table" data-testid="report-table">
        <thead>
          <tr>
            <th scope="col">{kind === 'school' ? t('report.school') : t('report.district')}</th>
            {COUNTS.map((k) => (
              <th key={k} scope="col" className="num">
                {label(k)}
              </th>
            ))}
            <th scope="col" className="num">
              {t('report.rate')}
            </th>
            <th scope="col">{kind === 'school' ? t('report.submitted') : t('report.missing')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const missing =
              kind === 'school' ? r.schoolDay !== false && !r.submittedAt : (r.missing ?? 0) > 0;
            return (
              <tr key={r.id} data-row={r.id} className={missing ? 'missing' : r.amended ? 'amended' : ''}>
                <th scope="row">{link(r)}</th>
                {COUNTS.map((k) => (
                  <td key={k} className="num" data-col={k}>
                    {r[k]}
                  </td>
                ))}
                <td className="num">{percent(r.present + r.late, r.enrolled, i18n.language)}</td>
                <td>
                  {kind === 'school'
                    ? r.schoolDay === false
                      ? t('report.noSchoolDay')
                      : r.submittedAt
                        ? `${t('report.submitted')}${r.amended ? ` · ${t('report.amended')}` : ''}`
                        : t('report.missing')
                    : `${r.missing ?? 0} / ${r.schools ?? 0}`}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('report.total')}</th>
            {COUNTS.map((k) => (
              <td key={k} className="num">
                {total[k]}
              </td>
            ))}
            <td className="num">{percent(total.present + total.late, total.enrolled, i18n.language)}</td>
            <td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
