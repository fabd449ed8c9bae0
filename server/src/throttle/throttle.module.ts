import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { PgThrottleStore } from './pg-throttle.store.js';
import { RedisThrottleStore } from './redis-throttle.store.js';
import { THROTTLE_STORE, type ThrottleStore } from './throttle-store.js';
import { ThrottleRepository } from './throttle.repository.js';

@Injectable()
class ThrottleStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(THROTTLE_STORE) private readonly store: ThrottleStore) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof RedisThrottleStore) await this.store.close();
  }
}

/** The shared counters: Redis when REDIS_URL is set, else PostgreSQL. */
@Global()
@Module({
  providers: [
    ThrottleRepository,
    {
      provide: THROTTLE_STORE,
      inject: [SERVER_CONFIG, CLOCK, ThrottleRepository],
      useFactory: async (
        config: ServerConfig,
        clock: Clock,
        repo: ThrottleRepository,
      ): Promise<ThrottleStore> => {
        if (!config.redisUrl) return new PgThrottleStore(repo, clock);
        const store = new RedisThrottleStore(config.redisUrl, `${config.throttleKeyPrefix}:throttle:`);
        await store.connect();
        return store;
      },
    },
    ThrottleStoreCloser,
  ],
  exports: [THROTTLE_STORE, ThrottleRepository],
})
export class ThrottleStoreModule {}

/** The API rate limit (a global guard, before the auth guard) over the shared store. */
@Module({
  imports: [ThrottleStoreModule],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class ThrottleModule {}
