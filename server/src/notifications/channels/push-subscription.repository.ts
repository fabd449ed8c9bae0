/**
 * Web Push subscriptions (table `push_subscriptions`): registered by the parent's browser for the
 * parent's own guardian records, read by the push channel, removed when the push service says the
 * endpoint is gone.
 */
import type pg from 'pg';

export interface PushSubscriptionRow {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export type PgQueryable = Pick<pg.Pool, 'query'>;

export class PushSubscriptionRepository {
  constructor(private readonly pool: PgQueryable) {}

  /** Subscribes the browser for every guardian record of the user; returns how many (0: the user is no guardian). */
  async registerForUser(userId: string, sub: PushSubscriptionRow, userAgent: string | null): Promise<number> {
    const r = await this.pool.query(
      `INSERT INTO push_subscriptions (guardian_id, endpoint, p256dh, auth, user_agent)
       SELECT g.id, $2, $3, $4, $5 FROM guardians g WHERE g.user_id = $1
       ON CONFLICT (guardian_id, endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent`,
      [userId, sub.endpoint, sub.p256dh, sub.auth, userAgent],
    );
    return r.rowCount ?? 0;
  }

  /** The user's browser unsubscribed; returns rows removed. */
  async unregisterForUser(userId: string, endpoint: string): Promise<number> {
    const r = await this.pool.query(
      `DELETE FROM push_subscriptions p USING guardians g WHERE p.guardian_id = g.id AND g.user_id = $1 AND p.endpoint = $2`,
      [userId, endpoint],
    );
    return r.rowCount ?? 0;
  }

  /** For tests and seeds: a subscription of one guardian. */
  async add(guardianId: string, sub: PushSubscriptionRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO push_subscriptions (guardian_id, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4)
       ON CONFLICT (guardian_id, endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth`,
      [guardianId, sub.endpoint, sub.p256dh, sub.auth],
    );
  }

  async forGuardian(guardianId: string): Promise<PushSubscriptionRow[]> {
    const r = await this.pool.query<PushSubscriptionRow>(
      'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE guardian_id = $1 ORDER BY created_at',
      [guardianId],
    );
    return r.rows;
  }

  async countForGuardian(guardianId: string): Promise<number> {
    const r = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM push_subscriptions WHERE guardian_id = $1',
      [guardianId],
    );
    return r.rows[0]?.n ?? 0;
  }

  /** The push service answered 404/410: the endpoint is dead for every guardian that had it. */
  async removeEndpoint(endpoint: string): Promise<void> {
    await this.pool.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
  }

  async markSent(endpoint: string): Promise<void> {
    await this.pool.query('UPDATE push_subscriptions SET last_sent_at = now() WHERE endpoint = $1', [
      endpoint,
    ]);
  }
}
