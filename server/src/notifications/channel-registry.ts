/**
 * The channels configured on this server (CONTRACT §6: a channel is on when its variables are
 * set). `webhook` and `in_app` are always on (per school registration, the parent's page); the
 * provider channels come from `channels/provider-channels.ts`.
 */
import type { ChannelName, NotificationChannel } from './channels/channel.js';
import { ChannelLimiter } from './limiter.js';

export class ChannelRegistry {
  private readonly channels = new Map<
    ChannelName,
    { channel: NotificationChannel; limiter: ChannelLimiter }
  >();

  /** `overrides`: the server's `NOTIFY_LIMITS`, per channel, over the channel's own `limits`. */
  constructor(
    private readonly overrides: Partial<
      Record<ChannelName, { concurrency?: number; perSecond?: number }>
    > = {},
  ) {}

  register(channel: NotificationChannel): void {
    const o = this.overrides[channel.name] ?? {};
    const concurrency = o.concurrency ?? channel.limits.concurrency;
    const perSecond = o.perSecond ?? channel.limits.perSecond;
    this.channels.set(channel.name, { channel, limiter: new ChannelLimiter(concurrency, perSecond) });
  }

  /** The limits in force for a channel (its own, or the configured override). */
  limits(name: ChannelName): { concurrency: number; perSecond: number } | undefined {
    const c = this.channels.get(name)?.channel;
    if (!c) return undefined;
    const o = this.overrides[name] ?? {};
    return {
      concurrency: o.concurrency ?? c.limits.concurrency,
      perSecond: o.perSecond ?? c.limits.perSecond,
    };
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

  /** Shutdown: every channel releases what it holds open (the e-mail channel's SMTP pool); one failing does not keep the others open. */
  async close(): Promise<void> {
    await Promise.allSettled(
      [...this.channels.values()].map(async ({ channel }) => {
        await channel.close?.();
      }),
    );
  }
}
