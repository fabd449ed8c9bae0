/**
 * SQL pieces every writer of `notification_outbox` shares (ingest's check-ins and check-outs, the
 * absence job). Writers only record the event — one row per guardian — and the notification
 * worker decides the rest (consent, channel, text, when): `server/src/notifications/`.
 */

/** Columns a writer fills, in this order (`SELECT … FROM …` must produce them). */
export const OUTBOX_EVENT_COLUMNS =
  'student_id, school_id, day, guardian_id, tap_id, event, event_at, params';

/** A day's event is due once per guardian: the outbox's unique key (resends are outside it). */
export const OUTBOX_ONCE_A_DAY_SQL =
  'ON CONFLICT (student_id, day, event, guardian_id) WHERE resend_of IS NULL DO NOTHING';
