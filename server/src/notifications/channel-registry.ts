/**
 * The channels configured on this server (CONTRACT §6: a channel is on when its variables are
 * set). `webhook` and `in_app` are always on (per school registration, the parent's page); the
 * provider channels register their factory in `CHANNEL_FACTORIES`.
 */
import type { ServerConfig } from '../config/config.js';
import type { Database } from '../db/database.service.js';
import type { Logger } from '../logger.js';
import type { ChannelName, NotificationChannel } from './channels/channel.js';
import { ChannelLimiter } from './limiter.js';

export interface ChannelDeps {
  config: ServerConfig;
  db: Database;
  log: Logger;
}

/** Factories of the provider channels: each returns null when its variables are not set. */
export type ChannelFactory = (deps: ChannelDeps) => NotificationChannel | null;

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
