/** Small shared pieces: the live-link badge, an error box, a loading line, the day picker. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveState } from '../lib/live';
import { errorText } from '../lib/errors';
import { ApiError } from '../lib/api';
import { addDays, isIsoDate } from '../lib/format';

export function LiveBadge({ state }: { state: LiveState }) {
  const { t } = useTranslation();
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite" data-live={state}>
      <span className="dot" aria-hidden="true" />
      {t(`live.${state}`)}
    </span>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="error-box" role="alert">
      <p>{errorText(t, error)}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

/** A 404 from an endpoint another feature is still building: "not available", not a crash. */
export function isUnavailable(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && /Cannot (GET|POST)/i.test(e.message);
}

export function Unavailable() {
  const { t } = useTranslation();
  return (
    <p className="notice" role="status">
      {t('errors.unavailable')}
    </p>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

export function DayPicker({
  date,
  onChange,
  max,
}: {
  date: string;
  onChange: (d: string) => void;
  max?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="day-picker">
      <button type="button" onClick={() => onChange(addDays(date, -1))} aria-label={t('app.previousDay')}>
        ‹
      </button>
      <label>
        <span className="visually-hidden">{t('app.date')}</span>
        <input
          type="date"
          value={date}
          max={max}
          onChange={(e) => isIsoDate(e.target.value) && onChange(e.target.value)}
        />
      </label>
      <button
        type="button"
        onClick={() => onChange(addDays(date, 1))}
        aria-label={t('app.nextDay')}
        disabled={!!max && date >= max}
      >
        ›
      </button>
    </div>
  );
}

export function Section({
  title,
  children,
  id,
  actions,
}: {
  title: string;
  children: ReactNode;
  id?: string;
  actions?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={id ? `${id}-h` : undefined}>
      <div className="panel-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
