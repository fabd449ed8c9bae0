import { Injectable } from '@nestjs/common';
import { Database } from '../db/database.service.js';

export interface CounterRow {
  hits: number;
  windowEndsAt: Date;
  blockedUntil: Date | null;
}

/** The SQL of the shared throttle counters (`throttle_counters`). */
@Injectable()
export class ThrottleRepository {
  constructor(private readonly db: Database) {}

  /**
   * One hit on `key` at `now`, atomically across replicas: a new window when the old one is over;
   * a blocked key is not counted (its block runs out on its own).
   */
  async hit(key: string, now: Date, ttlMs: number): Promise<CounterRow> {
    const [row] = await this.db.query<CounterRow & Record<string, unknown>>(
      `INSERT INTO throttle_counters AS t (key, hits, window_ends_at) VALUES ($1, 1, $2::timestamptz + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN t.blocked_until > $2 THEN t.hits WHEN t.window_ends_at <= $2 THEN 1 ELSE t.hits + 1 END,
         window_ends_at = CASE WHEN t.blocked_until > $2 THEN t.window_ends_at WHEN t.window_ends_at <= $2 THEN EXCLUDED.window_ends_at ELSE t.window_ends_at END
       RETURNING hits, window_ends_at AS "windowEndsAt", blocked_until AS "blockedUntil"`,
      [key, now, ttlMs],
    );
    return row!;
  }

  async block(key: string, now: Date, blockMs: number): Promise<Date> {
    const [row] = await this.db.query<{ blocked_until: Date }>(
      `UPDATE throttle_counters SET blocked_until = CASE WHEN blocked_until > $2 THEN blocked_until ELSE $2::timestamptz + make_interval(secs => $3 / 1000.0) END
        WHERE key = $1 RETURNING blocked_until`,
      [key, now, blockMs],
    );
    return row!.blocked_until;
  }

  async blockedUntil(key: string): Promise<Date | null> {
    const [row] = await this.db.query<{ blocked_until: Date | null }>(
      'SELECT blocked_until FROM throttle_counters WHERE key = $1',
      [key],
    );
    return row?.blocked_until ?? null;
  }

  async delete(key: string): Promise<void> {
    await this.db.query('DELETE FROM throttle_counters WHERE key = $1', [key]);
  }

  /** Counters whose window and block are both over (the retention job). */
  async deleteExpired(now: Date): Promise<number> {
    const rows = await this.db.query(
      'DELETE FROM throttle_counters WHERE window_ends_at <= $1 AND (blocked_until IS NULL OR blocked_until <= $1) RETURNING 1',
      [now],
    );
    return rows.length;
  }
}
