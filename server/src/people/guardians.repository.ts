/** The `guardians` table and its links to students (`student_guardians`). */
import { Injectable } from '@nestjs/common';
import type { SqlClient } from '../db/database.service.js';

@Injectable()
export class GuardiansRepository {
  /** A guardian of `studentId`; returns the guardian's id. */
  async insert(
    c: SqlClient,
    studentId: string,
    g: {
      name: string;
      phone: string | null;
      email: string | null;
      zaloId: string | null;
      channels: string[];
      relation: string | null;
    },
  ): Promise<string> {
    const r = await c.query<{ id: string }>(
      'INSERT INTO guardians (name, phone, email, zalo_id, channels) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [g.name, g.phone, g.email, g.zaloId, g.channels],
    );
    const id = r.rows[0]!.id;
    await c.query('INSERT INTO student_guardians (student_id, guardian_id, relation) VALUES ($1, $2, $3)', [
      studentId,
      id,
      g.relation,
    ]);
    return id;
  }
}
