/**
 * SQL pieces every writer of `notification_outbox` shares (ingest's check-ins and check-outs, the
 * absence job), so who is told, how, and how often is decided in one place.
 */

/** The channels of guardian `g`: the ones chosen, else SMS when there is a phone. A set-returning expression. */
export const GUARDIAN_CHANNELS_SQL = `unnest(CASE WHEN cardinality(g.channels) > 0 THEN g.channels
                                   WHEN g.phone IS NOT NULL THEN ARRAY['sms'] ELSE ARRAY[]::text[] END)`;

/** A day's event is due once per guardian and channel: the outbox's unique key. */
export const OUTBOX_ONCE_A_DAY_SQL = 'ON CONFLICT (student_id, day, event, guardian_id, channel) DO NOTHING';
