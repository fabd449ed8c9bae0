/**
 * The channels configured on this server (CONTRACT §6: a channel is on when its variables are
 * set). `webhook` and `in_app` are always on (per school registration, the parent's page); the
 * provider channels come from `channels/provider-channels.ts`.
 */
import type { ChannelName, NotificationChannel } from './channels/channel.js';
import { ChannelLimiter } from './limiter.js';

export class ChannelRegistry {
  private readonly channels = new Map<ChannelName, { channel: NotificationChannel; limiter: ChannelLimiter }>();

  register(channel: NotificationChannel): void {
    this.channels.set(channel.name, { channel, limiter: new ChannelLimiter(channel.limits.concurrency, channel.limits.perSecond) });
  }

  get(name: ChannelName): NotificationChannel | undefined {
    return this.channels.get(name)?.channel;
  }

  limiter(name: ChannelName): ChannelLimiter | undefined {
    return this.channels.get(name)?.limiter;
  }

  names(): ChannelName[] {
    return [...this.channels.keys()];
  }
}
