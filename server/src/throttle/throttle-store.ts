/**
 * One counter store for every replica: the API rate limit and the login-failure lock. PostgreSQL
 * by default (`pg-throttle.store.ts`), Redis when REDIS_URL is set (`redis-throttle.store.ts`).
 *
 * `increment` is `@nestjs/throttler`'s `ThrottlerStorage.increment`, same arguments and record, so
 * that package's guard can take these stores once it loads here: 6.7 is CommonJS requiring
 * NestJS 12's ESM-only `@nestjs/common`, which Node 20 does at run time but jest cannot.
 */
export interface ThrottlerStorageRecord {
  totalHits: number;
  /** Seconds until the window ends. */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until the block ends. */
  timeToBlockExpire: number;
}

export interface ThrottleStore {
  /** One hit on `key` (windows of `ttl` ms); more than `limit` hits in a window block it for `blockDuration` ms. */
  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord>;
  /** Milliseconds `key` stays blocked (0 = not blocked). */
  blockedForMs(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export const THROTTLE_STORE = Symbol('THROTTLE_STORE');
