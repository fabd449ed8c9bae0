import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions (one per sign-in) and their refresh tokens (RFC 9700 §4.14): every use of a refresh
 * token spends it and issues the next; a spent token presented again revokes the whole session
 * (the token family). Only SHA-256 hashes of the tokens are stored. Access tokens carry the
 * session id and are refused as soon as their session is revoked.
 */
export class Sessions1764300000000 implements MigrationInterface {
  name = 'Sessions1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text,
        user_agent text
      );
      CREATE INDEX user_sessions_user_idx ON user_sessions (user_id) WHERE revoked_at IS NULL;
      CREATE TABLE refresh_tokens (
        token_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES user_sessions(id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        spent_at timestamptz
      );
      CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refresh_tokens, user_sessions');
  }
}
