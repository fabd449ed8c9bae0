/**
 * Retention (Law 91/2025/QH15: data is deleted once its purpose is met): once a day, through the
 * scheduler's job claim, delete what has outlived its period — raw taps (RETENTION_TAPS_DAYS;
 * the attendance days and stored reports built from them stay: they are the school's record),
 * sent/failed/skipped notifications, audit entries, dead letters, ended sessions and spent
 * throttle counters. A period of 0 keeps that kind for ever. Ages are by the injected clock.
 */
import type { ServerConfig } from '../config/config.js';
import type { RetentionRepository, RetentionResult } from './retention.repository.js';

const DAY_MS = 24 * 3600 * 1000;
/** Ended sessions are kept this long for the user's "where was I signed in" and for audits. */
const SESSION_DAYS = 30;

export type RetentionPeriods = Pick<
  ServerConfig,
  'retentionTapsDays' | 'retentionNotificationsDays' | 'retentionAuditDays' | 'retentionDeadLettersDays'
>;

export async function runRetention(
  repo: RetentionRepository,
  periods: RetentionPeriods,
  now: Date,
): Promise<RetentionResult> {
  const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    taps: periods.retentionTapsDays ? await repo.deleteTapsBefore(before(periods.retentionTapsDays)) : 0,
    notifications: periods.retentionNotificationsDays
      ? await repo.deleteNotificationsBefore(before(periods.retentionNotificationsDays))
      : 0,
    audit: periods.retentionAuditDays ? await repo.deleteAuditBefore(before(periods.retentionAuditDays)) : 0,
    deadLetters: periods.retentionDeadLettersDays
      ? await repo.deleteDeadLettersBefore(before(periods.retentionDeadLettersDays))
      : 0,
    sessions: await repo.deleteSessionsEndedBefore(before(SESSION_DAYS)),
    throttleCounters: await repo.deleteThrottleCountersBefore(now),
  };
}
