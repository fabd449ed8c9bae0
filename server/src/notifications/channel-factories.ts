/**
 * The provider channels (CONTRACT §6) this server can run, each on when its variables are set:
 * `zalo`, `sms`, `email`, `push` add their factory here (notify-channels).
 */
import type { ChannelFactory } from './channel-registry.js';

export const CHANNEL_FACTORIES: ChannelFactory[] = [];
