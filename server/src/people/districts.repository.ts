/** The `districts` table. */
import { Injectable } from '@nestjs/common';
import type { District } from '@rfid/protocol';
import { Database, type SqlClient } from '../db/database.service.js';

@Injectable()
export class DistrictsRepository {
  constructor(private readonly db: Database) {}

  /** All districts, or the one `onlyId` when given. */
  list(onlyId?: string): Promise<District[]> {
    return onlyId === undefined
      ? this.db.query<District>('SELECT d.id, d.code, d.name FROM districts d ORDER BY d.code')
      : this.db.query<District>(
          'SELECT d.id, d.code, d.name FROM districts d WHERE d.id = $1 ORDER BY d.code',
          [onlyId],
        );
  }

  async get(id: string, c: SqlClient = this.db.pool): Promise<District | null> {
    return (
      (await c.query<District>('SELECT id, code, name FROM districts WHERE id = $1', [id])).rows[0] ?? null
    );
  }

  async codeTaken(c: SqlClient, code: string): Promise<boolean> {
    return ((await c.query('SELECT 1 FROM districts WHERE code = $1', [code])).rowCount ?? 0) > 0;
  }

  async insert(c: SqlClient, d: { code: string; name: string }): Promise<District> {
    const r = await c.query<District>(
      'INSERT INTO districts (code, name) VALUES ($1, $2) RETURNING id, code, name',
      [d.code, d.name],
    );
    return r.rows[0]!;
  }

  async rename(c: SqlClient, id: string, name: string): Promise<void> {
    await c.query('UPDATE districts SET name = $2 WHERE id = $1', [id, name]);
  }
}
