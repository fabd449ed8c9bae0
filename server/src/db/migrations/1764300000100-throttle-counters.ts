import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit and login-failure counters shared by every replica (the default store; Redis when
 * REDIS_URL is set). Keys are hashes: no username or address is stored. UNLOGGED: losing the
 * counters in a crash only forgives some requests.
 */
export class ThrottleCounters1764300000100 implements MigrationInterface {
  name = 'ThrottleCounters1764300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE throttle_counters (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        window_ends_at timestamptz NOT NULL,
        blocked_until timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE throttle_counters');
  }
}
