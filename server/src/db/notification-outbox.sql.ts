/**
 * SQL pieces every writer of `notification_outbox` shares (ingest's check-ins and check-outs, the
 * absence job), so who is told, how, and how often is decided in one place.
 */

/** The channels of guardian `g` (the rule lives in notifications/guardian-channels.ts). */
export { GUARDIAN_CHANNELS_SQL } from '../notifications/guardian-channels.js';

/** A day's event is due once per guardian and channel: the outbox's unique key. */
export const OUTBOX_ONCE_A_DAY_SQL = 'ON CONFLICT (student_id, day, event, guardian_id, channel) DO NOTHING';
