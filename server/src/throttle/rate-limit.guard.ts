import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { THROTTLE_STORE, type ThrottleStore } from './throttle-store.js';

interface HttpRequest {
  path: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}
interface HttpResponse {
  setHeader(name: string, value: string | number): void;
}

const WINDOW_MS = 60_000;

/**
 * The API rate limit (global guard): API_RATE_LIMIT_PER_MINUTE requests a minute per client
 * address for the whole `/api/` (one budget, not one per route), counted in the shared store so
 * it holds whichever replica answers; over it, 429 for the rest of a minute. The address comes
 * from `req.ip` (X-Forwarded-For only for TRUST_PROXY hops) and is stored hashed. Headers as
 * `@nestjs/throttler` names them for a throttler called `api`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(THROTTLE_STORE) private readonly store: ThrottleStore,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const limit = this.config.apiRateLimitPerMinute;
    if (limit === 0 || ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<HttpRequest>();
    if (!req.path.startsWith('/api/')) return true;
    const res = ctx.switchToHttp().getResponse<HttpResponse>();
    const address = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const key = `api:${createHash('sha256').update(address).digest('hex')}`;
    const r = await this.store.increment(key, WINDOW_MS, limit, WINDOW_MS, 'api');
    if (r.isBlocked) {
      res.setHeader('Retry-After-api', r.timeToBlockExpire);
      res.setHeader('Retry-After', r.timeToBlockExpire);
      throw new DomainError('too_many_requests', `too many requests; try again in ${r.timeToBlockExpire} s`);
    }
    res.setHeader('X-RateLimit-Limit-api', limit);
    res.setHeader('X-RateLimit-Remaining-api', Math.max(0, limit - r.totalHits));
    res.setHeader('X-RateLimit-Reset-api', r.timeToExpire);
    return true;
  }
}
