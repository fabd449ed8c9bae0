import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A Zalo OA login that can no longer refresh (#13): Zalo refused the stored refresh token for good
 * (a crash after Zalo rotated it but before we stored the new one, or the OA's authorisation
 * revoked). `login_lost_at` and `login_lost_reason` say so to every replica, which then send the
 * guardians' messages on their next channel instead of retrying Zalo until the messages are stale;
 * seeding a new `ZALO_REFRESH_TOKEN` clears them.
 */
export class ZaloLoginLost1765700000000 implements MigrationInterface {
  name = 'ZaloLoginLost1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE zalo_tokens ADD COLUMN login_lost_at timestamptz, ADD COLUMN login_lost_reason text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE zalo_tokens DROP COLUMN login_lost_at, DROP COLUMN login_lost_reason`);
  }
}
