import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web Push subscriptions a parent's browser registered (`POST /api/v1/push/subscriptions`), one
 * row per guardian record of that parent and browser endpoint. A push service answering 404/410
 * for an endpoint removes its rows.
 */
export class PushSubscriptions1764150000001 implements MigrationInterface {
  name = 'PushSubscriptions1764150000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE push_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        guardian_id uuid NOT NULL REFERENCES guardians(id) ON DELETE CASCADE,
        endpoint text NOT NULL,
        p256dh text NOT NULL,
        auth text NOT NULL,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_sent_at timestamptz,
        UNIQUE (guardian_id, endpoint)
      );
      CREATE INDEX push_subscriptions_endpoint_idx ON push_subscriptions (endpoint);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE push_subscriptions');
  }
}
