/**
 * The guardian's channel preference list: the one place the "SMS when there is a phone" default
 * lives. Directory, people API and import store what `defaultChannels` gives a new guardian; the
 * worker reads the list through `preferenceList` (a guardian stored with no channels and a phone
 * is still told by SMS, as before).
 */
import { CHANNEL_NAMES, type ChannelName } from './channels/channel.js';

export interface GuardianContact {
  phone: string | null;
  email?: string | null;
  zaloId?: string | null;
  channels: readonly string[];
}

/** The channels a new guardian gets when none are chosen: SMS when there is a phone, else none. */
export function defaultChannels(phone: string | null | undefined): ChannelName[] {
  return phone ? ['sms'] : [];
}

/** The same rule in SQL, for set-based writers (import): `phoneSql` is the phone expression. */
export function defaultChannelsSql(phoneSql: string): string {
  return `(CASE WHEN ${phoneSql} IS NULL THEN '{}'::text[] ELSE '{sms}'::text[] END)`;
}

/** The guardian's channels in their order (known names only, each once); the default when none. */
export function preferenceList(g: GuardianContact): ChannelName[] {
  const known = new Set<string>(CHANNEL_NAMES);
  const chosen = [...new Set(g.channels.filter((c) => known.has(c)))] as ChannelName[];
  return chosen.length > 0 ? chosen : defaultChannels(g.phone);
}
