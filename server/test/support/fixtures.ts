/**
 * Rows a unit spec needs in its own test database without the whole directory (the directory's
 * writers live in the server's repositories; these are only the fixtures' shortcuts).
 */
import type pg from 'pg';

/** A guardian with only a name; returns its id. */
export async function insertBareGuardian(pool: pg.Pool, name: string): Promise<string> {
  const r = await pool.query<{ id: string }>('INSERT INTO guardians (name) VALUES ($1) RETURNING id', [name]);
  return r.rows[0]!.id;
}

/** Forgets every stored Zalo token, so the next send starts from the configured refresh token. */
export async function clearZaloTokens(pool: pg.Pool): Promise<void> {
  await pool.query('DELETE FROM zalo_tokens');
}
