import type { ThrottlerStorageRecord } from './throttle-store.js';
import type { Clock } from '@rfid/protocol';
import type { ThrottleStore } from './throttle-store.js';
import type { ThrottleRepository } from './throttle.repository.js';

/** Counters in PostgreSQL (the default: no extra engine), on the injected clock. */
export class PgThrottleStore implements ThrottleStore {
  constructor(
    private readonly repo: ThrottleRepository,
    private readonly clock: Clock,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now();
    const row = await this.repo.hit(key, now, ttl);
    let blockedUntil = row.blockedUntil && row.blockedUntil > now ? row.blockedUntil : null;
    if (!blockedUntil && row.hits > limit) blockedUntil = await this.repo.block(key, now, blockDuration);
    const seconds = (d: Date) => Math.max(0, Math.ceil((d.getTime() - now.getTime()) / 1000));
    return {
      totalHits: row.hits,
      timeToExpire: seconds(row.windowEndsAt),
      isBlocked: !!blockedUntil,
      timeToBlockExpire: blockedUntil ? seconds(blockedUntil) : 0,
    };
  }

  async blockedForMs(key: string): Promise<number> {
    const until = await this.repo.blockedUntil(key);
    return until ? Math.max(0, until.getTime() - this.clock.now().getTime()) : 0;
  }

  reset(key: string): Promise<void> {
    return this.repo.delete(key);
  }
}
