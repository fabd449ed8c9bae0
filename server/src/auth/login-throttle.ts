/**
 * Login rate limiting, in memory: after `maxFailures` failed logins for one username from one
 * address within `windowMs`, that pair is refused (429) until `lockMs` after the last failure.
 * A success clears the pair. Per instance: with N replicas behind a balancer an attacker gets at
 * most N × maxFailures tries per window (a shared store, e.g. Redis, would make it exact).
 */
export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  /** Bounds memory under a spray of usernames: oldest entries go first. */
  maxEntries: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly opts: LoginThrottleOptions = { maxFailures: 5, windowMs: 60_000, lockMs: 60_000, maxEntries: 100_000 },
  ) {}

  /** Milliseconds until the pair may try again, 0 when it may try now. */
  retryAfterMs(username: string, ip: string): number {
    const e = this.entries.get(key(username, ip));
    if (!e) return 0;
    return Math.max(0, e.lockedUntil - this.now());
  }

  failed(username: string, ip: string): void {
    const k = key(username, ip);
    const now = this.now();
    const e = this.entries.get(k) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.opts.windowMs);
    e.failures.push(now);
    if (e.failures.length >= this.opts.maxFailures) e.lockedUntil = now + this.opts.lockMs;
    this.entries.delete(k);
    this.entries.set(k, e);
    if (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  succeeded(username: string, ip: string): void {
    this.entries.delete(key(username, ip));
  }
}

function key(username: string, ip: string): string {
  return `${username.toLowerCase()}\u0000${ip}`;
}
