/**
 * The stored Zalo token pair (table `zalo_tokens`) and its rotation under the row's lock: one
 * replica refreshes at a time (`SELECT … FOR UPDATE`), the others wait and then find the new access
 * token instead of spending the one-use refresh token a second time.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface ZaloTokenRow {
  refreshToken: string;
  accessToken: string | null;
  accessExpiresAt: Date | null;
  /** Zalo refused the refresh token for good: the OA must be authorised again (a new seed). */
  loginLostAt?: Date | null;
  loginLostReason?: string | null;
}

interface DbRow {
  refresh_token: string;
  access_token: string | null;
  access_expires_at: Date | null;
  login_lost_at?: Date | null;
  login_lost_reason?: string | null;
}

const toRow = (r: DbRow): ZaloTokenRow => ({
  refreshToken: r.refresh_token,
  accessToken: r.access_token,
  accessExpiresAt: r.access_expires_at,
  loginLostAt: r.login_lost_at ?? null,
  loginLostReason: r.login_lost_reason ?? null,
});

export type PgPool = Pick<pg.Pool, 'query' | 'connect'>;

export class ZaloTokenRepository {
  constructor(
    private readonly pool: PgPool,
    private readonly serverId = 'server',
  ) {}

  /**
   * Stores the operator's first refresh token unless the row already started from it (then the
   * rotated one stored there is the live one). A different `ZALO_REFRESH_TOKEN` replaces the pair.
   */
  async seed(appId: string, refreshToken: string): Promise<void> {
    const hash = createHash('sha256').update(refreshToken).digest('hex');
    await this.pool.query(
      `INSERT INTO zalo_tokens (app_id, refresh_token, seed_sha256) VALUES ($1, $2, $3)
       ON CONFLICT (app_id) DO UPDATE
         SET refresh_token = EXCLUDED.refresh_token, seed_sha256 = EXCLUDED.seed_sha256, access_token = NULL, access_expires_at = NULL,
             login_lost_at = NULL, login_lost_reason = NULL
       WHERE zalo_tokens.seed_sha256 <> EXCLUDED.seed_sha256`,
      [appId, refreshToken, hash],
    );
  }

  async read(appId: string): Promise<ZaloTokenRow | null> {
    const r = await this.pool.query<DbRow>(
      'SELECT refresh_token, access_token, access_expires_at, login_lost_at, login_lost_reason FROM zalo_tokens WHERE app_id = $1',
      [appId],
    );
    return r.rows[0] ? toRow(r.rows[0]) : null;
  }

  /**
   * Records that Zalo refused the stored refresh token for good (unless it was rotated meanwhile:
   * `refreshToken` is the one refused). True when this call recorded it (alert once).
   */
  async markLoginLost(appId: string, refreshToken: string, reason: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE zalo_tokens SET login_lost_at = now(), login_lost_reason = $3
        WHERE app_id = $1 AND refresh_token = $2 AND login_lost_at IS NULL`,
      [appId, refreshToken, reason.slice(0, 300)],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Runs `refresh` holding the row's lock. `refresh` sees the row as it is now (another replica may
   * just have rotated it) and returns the new pair to store, or null to keep the row as it is.
   * Throws what `refresh` throws (nothing is stored then).
   */
  async rotate(
    appId: string,
    refresh: (current: ZaloTokenRow) => Promise<ZaloTokenRow | null>,
  ): Promise<ZaloTokenRow> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (e: Error): void => {
      broken = e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      // Bounded: a replica stuck behind a lock holder that hangs gives up and retries the message later.
      await client.query(`SET LOCAL lock_timeout = '20s'`);
      const r = await client.query<DbRow>(
        'SELECT refresh_token, access_token, access_expires_at FROM zalo_tokens WHERE app_id = $1 FOR UPDATE',
        [appId],
      );
      if (!r.rows[0])
        throw new Error(`no Zalo token stored for app ${appId} (ZALO_REFRESH_TOKEN not seeded)`);
      const current = toRow(r.rows[0]);
      const next = await refresh(current);
      if (next) {
        await client.query(
          `UPDATE zalo_tokens
              SET refresh_token = $2, access_token = $3, access_expires_at = $4, refreshed_at = now(), refreshed_by = $5, refresh_count = refresh_count + 1
            WHERE app_id = $1`,
          [appId, next.refreshToken, next.accessToken, next.accessExpiresAt, this.serverId],
        );
      }
      await client.query('COMMIT');
      return next ?? current;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }
}
