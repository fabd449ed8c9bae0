/**
 * Counters in Redis (REDIS_URL), for deployments that already run it for Socket.IO. Hand-written
 * because the maintained package (@nest-lab/throttler-storage-redis 1.2) declares NestJS ≤ 11 as
 * its peer; this is the same algorithm in one Lua script, atomic on the Redis server. Windows and
 * blocks run on Redis's own clock (PEXPIRE), not the injected one.
 */
import { createClient } from 'redis';
import type { ThrottlerStorageRecord } from './throttle-store.js';
import type { ThrottleStore } from './throttle-store.js';

const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return {hits, ttl, blocked}
`;

export class RedisThrottleStore implements ThrottleStore {
  private readonly client: ReturnType<typeof createClient>;

  constructor(
    url: string,
    private readonly prefix = 'rfid:throttle:',
  ) {
    this.client = createClient({ url });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<ThrottlerStorageRecord> {
    const [hits, ttlMs, blockedMs] = (await this.client.eval(INCREMENT, {
      keys: [this.prefix + key, `${this.prefix}${key}:blocked`],
      arguments: [String(ttl), String(limit), String(blockDuration)],
    })) as number[];
    const isBlocked = (blockedMs ?? 0) > 0;
    return {
      totalHits: hits ?? 0,
      timeToExpire: Math.ceil(Math.max(0, ttlMs ?? 0) / 1000),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil(blockedMs! / 1000) : 0,
    };
  }

  async blockedForMs(key: string): Promise<number> {
    return Math.max(0, await this.client.pTTL(`${this.prefix}${key}:blocked`));
  }

  async reset(key: string): Promise<void> {
    await this.client.del([this.prefix + key, `${this.prefix}${key}:blocked`]);
  }
}
