/**
 * Import a CSV/XLSX: "check first" (a dry run: nothing written, the row errors listed), then
 * "import" (all or nothing). Progress lines stream in while the server reads the rows (NDJSON).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import type { ImportReportView, ImportRowError } from '@rfid/protocol';
import { apiFetch } from '../../lib/api';
import { errorText } from '../../lib/errors';

const KINDS = ['students', 'schools', 'districts', 'cards'] as const;
type Kind = (typeof KINDS)[number];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type RowError = ImportRowError;
type Report = ImportReportView;
type Outcome = { report: Report } | { error: { message: string; errors?: RowError[]; statusCode?: number } };

const sum = (v: Record<string, number> | number | undefined) =>
  typeof v === 'number' ? v : Object.values(v ?? {}).reduce((a, b) => a + b, 0);

export function ImportPanel({ schoolId }: { schoolId: string | null }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>('students');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState('');

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError('');
    setOutcome(null);
    setProgress(0);
    try {
      const type = file.name.toLowerCase().endsWith('.xlsx') ? XLSX : 'text/csv';
      const q = new URLSearchParams({ dryRun: String(dryRun) });
      if (schoolId && (kind === 'students' || kind === 'cards')) q.set('schoolId', schoolId);
      const res = await apiFetch(`/imports/${kind}?${q}`, {
        method: 'POST',
        body: file,
        contentType: type,
        accept: 'application/x-ndjson',
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      let last: Outcome | null = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (value) buf += value;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as { progress?: { rows: number } } & Partial<Outcome>;
          if (msg.progress) setProgress(msg.progress.rows);
          else last = msg as Outcome;
        }
        if (done) break;
      }
      setOutcome(last);
      if (dryRun) setChecked(!!last && 'report' in last && last.report.errorCount === 0);
      else if (last && 'report' in last) {
        setChecked(false);
        void qc.invalidateQueries();
      }
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  };

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    void run(true);
  };
  const errors = outcome ? ('report' in outcome ? outcome.report.errors : (outcome.error.errors ?? [])) : [];
  const report = outcome && 'report' in outcome ? outcome.report : null;

  return (
    <form className="stack" onSubmit={submit} data-testid="import">
      <div className="row">
        <label>
          {t('admin.importKind')}
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as Kind);
              setChecked(false);
              setOutcome(null);
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`admin.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('admin.file')}
          <input
            type="file"
            name="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            required
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setChecked(false);
              setOutcome(null);
            }}
          />
        </label>
        <button type="submit" disabled={!file || busy}>
          {t('admin.preview')}
        </button>
        <button type="button" disabled={!file || busy || !checked} onClick={() => void run(false)}>
          {t('admin.apply')}
        </button>
      </div>
      <p className="notice" role="status" aria-live="polite" data-testid="import-status">
        {progress !== null ? t('admin.progress', { rows: progress }) : ''}
        {report &&
          report.errorCount === 0 &&
          (report.dryRun
            ? t('admin.previewOk', {
                rows: report.rows,
                created: sum(report.created),
                updated: sum(report.updated),
                unchanged: sum(report.unchanged),
              })
            : t('admin.applied', {
                rows: report.rows,
                created: sum(report.created),
                updated: sum(report.updated),
                unchanged: sum(report.unchanged),
              }))}
        {outcome && 'error' in outcome && !outcome.error.errors?.length && outcome.error.message}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {errors.length > 0 && (
        <div className="table-wrap">
          <p className="error" role="alert">
            {t('admin.rowErrors', { count: errors.length })}
          </p>
          <table className="table" data-testid="import-errors">
            <thead>
              <tr>
                <th scope="col">{t('admin.row')}</th>
                <th scope="col">{t('admin.column')}</th>
                <th scope="col">{t('admin.message')}</th>
              </tr>
            </thead>
            <tbody>
              {errors.slice(0, 500).map((e, i) => (
                <tr key={i}>
                  <td className="num">{e.row}</td>
                  <td>{e.column ?? ''}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </form>
  );
}
