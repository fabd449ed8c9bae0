import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';

export interface SessionRow {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
}

export interface RefreshTokenRow {
  sessionId: string;
  userId: string;
  tokenExpiresAt: Date;
  spentAt: Date | null;
  sessionExpiresAt: Date;
  revokedAt: Date | null;
}

/** The SQL of sessions and refresh tokens (hashes only). */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Database) {}

  async create(
    c: SqlClient,
    userId: string,
    tokenHash: Buffer,
    now: Date,
    expiresAt: Date,
    userAgent: string | null,
  ): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO user_sessions (user_id, created_at, last_used_at, expires_at, user_agent) VALUES ($1, $2, $2, $3, $4) RETURNING id',
      [userId, now, expiresAt, userAgent],
    );
    const id = r.rows[0]!.id;
    await this.addToken(c, id, tokenHash, now, expiresAt);
    return id;
  }

  async addToken(
    c: SqlClient,
    sessionId: string,
    tokenHash: Buffer,
    now: Date,
    expiresAt: Date,
  ): Promise<void> {
    await c.query(
      'INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)',
      [tokenHash, sessionId, now, expiresAt],
    );
  }

  /** The token and its session, the token row locked: two uses of one token are serialised. */
  async lockToken(c: SqlClient, tokenHash: Buffer): Promise<RefreshTokenRow | null> {
    const r = await c.query<RefreshTokenRow>(
      `SELECT t.session_id AS "sessionId", s.user_id AS "userId", t.expires_at AS "tokenExpiresAt", t.spent_at AS "spentAt",
              s.expires_at AS "sessionExpiresAt", s.revoked_at AS "revokedAt"
         FROM refresh_tokens t JOIN user_sessions s ON s.id = t.session_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [tokenHash],
    );
    return r.rows[0] ?? null;
  }

  async spend(c: SqlClient, tokenHash: Buffer, now: Date): Promise<void> {
    await c.query('UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1', [tokenHash, now]);
  }

  async touch(c: SqlClient, sessionId: string, now: Date, expiresAt: Date): Promise<void> {
    await c.query('UPDATE user_sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1', [
      sessionId,
      now,
      expiresAt,
    ]);
  }

  /** Revoke one session; the ids of what was still open (empty when it was already revoked). */
  async revoke(c: SqlClient, sessionId: string, now: Date, reason: string): Promise<string[]> {
    const r = await c.query<{ id: string }>(
      'UPDATE user_sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [sessionId, now, reason],
    );
    return r.rows.map((x) => x.id);
  }

  /** Revoke every open session of a user (but `keep`); the ids revoked. */
  async revokeAllOfUser(
    c: SqlClient,
    userId: string,
    now: Date,
    reason: string,
    keep: string | null = null,
  ): Promise<string[]> {
    const r = await c.query<{ id: string }>(
      'UPDATE user_sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $4 RETURNING id',
      [userId, now, reason, keep],
    );
    return r.rows.map((x) => x.id);
  }

  /** Whether an access token's session is still open at `now`. */
  async isOpen(sessionId: string, userId: string, now: Date): Promise<boolean> {
    const [r] = await this.db.query(
      'SELECT 1 FROM user_sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3',
      [sessionId, userId, now],
    );
    return !!r;
  }

  async listOpen(userId: string, now: Date): Promise<SessionRow[]> {
    return this.db.query<SessionRow & Record<string, unknown>>(
      `SELECT id, user_id AS "userId", created_at AS "createdAt", last_used_at AS "lastUsedAt", expires_at AS "expiresAt", user_agent AS "userAgent"
         FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_used_at DESC`,
      [userId, now],
    );
  }

  async ownerOf(sessionId: string): Promise<string | null> {
    const [r] = await this.db.query<{ user_id: string }>('SELECT user_id FROM user_sessions WHERE id = $1', [
      sessionId,
    ]);
    return r?.user_id ?? null;
  }
}
