/**
 * Login rate limiting, in memory: after `maxFailures` failed logins for one username from one
 * address within `windowMs`, that pair is refused (429) until `lockMs` after the last failure.
 * A success clears the pair. One address with 50 failures in the window (whatever the usernames:
 * password spraying) is locked the same way. Per instance: with N replicas behind a balancer an attacker gets at
 * most N × maxFailures tries per window (a shared store, e.g. Redis, would make it exact).
 */
export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  /** Bounds memory under a spray of usernames: oldest entries go first. */
  maxEntries: number;
  /** One address failing this often (any usernames) within the window is locked too: password spraying. */
  maxFailuresPerAddress: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly opts: LoginThrottleOptions = { maxFailures: 5, windowMs: 60_000, lockMs: 60_000, maxEntries: 100_000, maxFailuresPerAddress: 50 },
  ) {}

  /** Milliseconds until the pair may try again, 0 when it may try now. */
  retryAfterMs(username: string, ip: string): number {
    const until = Math.max(this.entries.get(key(username, ip))?.lockedUntil ?? 0, this.entries.get(key('', ip))?.lockedUntil ?? 0);
    return Math.max(0, until - this.now());
  }

  failed(username: string, ip: string): void {
    this.count(key(username, ip), this.opts.maxFailures);
    this.count(key('', ip), this.opts.maxFailuresPerAddress);
  }

  private count(k: string, max: number): void {
    const now = this.now();
    const e = this.entries.get(k) ?? { failures: [], lockedUntil: 0 };
    e.failures = e.failures.filter((t) => now - t < this.opts.windowMs);
    e.failures.push(now);
    if (e.failures.length >= max) e.lockedUntil = now + this.opts.lockMs;
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
