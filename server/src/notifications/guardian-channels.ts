/**
 * Which channels a guardian is reached on when none were chosen: SMS when there is a phone,
 * nothing otherwise. The one statement of that rule (REST, import, the seeds and the outbox's
 * SQL all read it from here).
 */
export const DEFAULT_CHANNEL = 'sms' as const;

/** The channels a new guardian is stored with: the ones chosen, else SMS when there is a phone. */
export function channelsForNewGuardian<C extends string>(chosen: readonly C[] | null | undefined, phone: string | null | undefined): (C | typeof DEFAULT_CHANNEL)[] {
  return chosen ? [...chosen] : phone ? [DEFAULT_CHANNEL] : [];
}

/** The channels a guardian is told on: the ones chosen, else SMS when there is a phone. */
export function effectiveChannels(chosen: readonly string[], phone: string | null | undefined): string[] {
  return chosen.length > 0 ? [...chosen] : phone ? [DEFAULT_CHANNEL] : [];
}

/** SQL: the channels a new guardian row gets from a phone expression. */
export const defaultChannelsSql = (phone: string) => `CASE WHEN ${phone} IS NULL THEN '{}'::text[] ELSE '{${DEFAULT_CHANNEL}}'::text[] END`;

/** SQL: an existing guardian `g` gains the default when it had no channel and now has a phone. */
export const channelsAfterPhoneSql = (phone: string) => `CASE WHEN cardinality(g.channels) = 0 AND ${phone} IS NOT NULL THEN '{${DEFAULT_CHANNEL}}'::text[] ELSE g.channels END`;

/** SQL: the channels of guardian `g` (set-returning): the ones chosen, else SMS when there is a phone. */
export const GUARDIAN_CHANNELS_SQL = `unnest(CASE WHEN cardinality(g.channels) > 0 THEN g.channels
                                   WHEN g.phone IS NOT NULL THEN ARRAY['${DEFAULT_CHANNEL}'] ELSE ARRAY[]::text[] END)`;
