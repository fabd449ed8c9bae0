import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Secret rotation: the replaced secret's hash stays valid until `previous_secret_expires_at` (the grace period). */
export class GatewaySecretRotation1764400000000 implements MigrationInterface {
  name = 'GatewaySecretRotation1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE gateways ADD COLUMN previous_secret_hash text, ADD COLUMN previous_secret_expires_at timestamptz, ADD COLUMN secret_rotated_at timestamptz`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE gateways DROP COLUMN previous_secret_hash, DROP COLUMN previous_secret_expires_at, DROP COLUMN secret_rotated_at`,
    );
  }
}
