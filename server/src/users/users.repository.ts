/** The `users` table and a new user's scope rows (changes of role and scope: `UserAccessRepository`). */
import { Injectable } from '@nestjs/common';
import { Database, type SqlClient } from '../db/database.service.js';
import type { UserRole } from '../db/entities/index.js';
import type { UserView } from './users.service.js';

export interface NewUserRow {
  username: string;
  passwordHash: string;
  role: UserRole;
  districtId: string | null;
  schoolId: string | null;
  displayName: string | null;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Database) {}

  async count(): Promise<number> {
    const [{ n } = { n: '0' }] = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM users');
    return Number(n);
  }

  /** `admin` when there is no user at all (replicas starting together: one wins); its id or null. */
  async insertFirstAdmin(passwordHash: string): Promise<string | null> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO users (username, password_hash, role, display_name) SELECT 'admin', $1, 'admin', 'Administrator'
        WHERE NOT EXISTS (SELECT 1 FROM users) ON CONFLICT (username) DO NOTHING RETURNING id`,
      [passwordHash],
    );
    return rows[0]?.id ?? null;
  }

  async usernameTaken(c: SqlClient, username: string): Promise<boolean> {
    const r = await c.query('SELECT 1 FROM users WHERE lower(username) = lower($1)', [username]);
    return (r.rowCount ?? 0) > 0;
  }

  /** The user with their classes and students; returns its id. */
  async insert(c: SqlClient, u: NewUserRow, classIds: string[], studentIds: string[]): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO users (username, password_hash, role, district_id, school_id, display_name) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [u.username, u.passwordHash, u.role, u.districtId, u.schoolId, u.displayName],
    );
    const id = r.rows[0]!.id;
    if (classIds.length)
      await c.query('INSERT INTO user_classes (user_id, class_id) SELECT $1, unnest($2::uuid[])', [
        id,
        classIds,
      ]);
    if (studentIds.length)
      await c.query('INSERT INTO user_students (user_id, student_id) SELECT $1, unnest($2::uuid[])', [
        id,
        studentIds,
      ]);
    return id;
  }

  /** Makes the user the account of these guardians (only those without one); returns how many. */
  async linkGuardians(c: SqlClient, userId: string, guardianIds: string[]): Promise<number> {
    const r = await c.query(
      'UPDATE guardians SET user_id = $1 WHERE id = ANY($2::uuid[]) AND user_id IS NULL',
      [userId, guardianIds],
    );
    return r.rowCount ?? 0;
  }

  /** Users the caller's scope shows (`where` filters `u`), by username. */
  list(where: { sql: string; params: unknown[] }): Promise<UserView[]> {
    return this.db.query<UserView & Record<string, unknown>>(
      `SELECT u.id, u.username, u.role, u.display_name AS "displayName", u.district_id AS "districtId", u.school_id AS "schoolId", u.active,
              COALESCE((SELECT array_agg(class_id) FROM user_classes WHERE user_id = u.id), '{}') AS "classIds",
              COALESCE((SELECT array_agg(student_id) FROM user_students WHERE user_id = u.id), '{}') AS "studentIds",
              u.created_at AS "createdAt"
         FROM users u WHERE ${where.sql} ORDER BY u.username`,
      where.params,
    );
  }

  async update(
    c: SqlClient,
    userId: string,
    patch: { passwordHash?: string; active?: boolean; displayName?: string },
  ): Promise<void> {
    if (patch.passwordHash !== undefined)
      await c.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, patch.passwordHash]);
    if (patch.active !== undefined)
      await c.query('UPDATE users SET active = $2 WHERE id = $1', [userId, patch.active]);
    if (patch.displayName !== undefined)
      await c.query('UPDATE users SET display_name = $2 WHERE id = $1', [userId, patch.displayName]);
  }
}
