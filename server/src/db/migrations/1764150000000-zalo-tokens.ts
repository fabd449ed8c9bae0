import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Zalo OA token pair. A Zalo refresh token works once: each refresh returns a new pair and the
 * old refresh token is dead, so the current one lives here (not in the environment) and is rotated
 * under this row's lock, one replica at a time. `seed_sha256` is the hash of the
 * `ZALO_REFRESH_TOKEN` the row started from: an operator who re-authorises the OA and sets a new
 * one replaces the stored pair.
 */
export class ZaloTokens1764150000000 implements MigrationInterface {
  name = 'ZaloTokens1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE zalo_tokens (
        app_id text PRIMARY KEY,
        refresh_token text NOT NULL,
        access_token text,
        access_expires_at timestamptz,
        seed_sha256 text NOT NULL,
        refreshed_at timestamptz,
        refreshed_by text,
        refresh_count integer NOT NULL DEFAULT 0
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE zalo_tokens');
  }
}
