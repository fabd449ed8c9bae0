/** The `guardians` table and its links to students (`student_guardians`). */
import { Injectable } from '@nestjs/common';
import type { SqlClient } from '../db/database.service.js';

export interface GuardianRow {
  name: string;
  phone: string | null;
  email: string | null;
  zaloId: string | null;
  channels: string[];
  relation: string | null;
}

const pgArray = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

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

  /** Many guardians, each linked to its row's student (seeds, benchmarks, drills); ids in input order. */
  async insertMany(c: SqlClient, rows: (GuardianRow & { studentId: string })[]): Promise<string[]> {
    const r = await c.query<{ id: string }>(
      `INSERT INTO guardians (name, phone, email, zalo_id, channels)
       SELECT name, phone, email, zalo, ch::text[]
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(name, phone, email, zalo, ch, n)
        ORDER BY n RETURNING id`,
      [
        rows.map((x) => x.name),
        rows.map((x) => x.phone),
        rows.map((x) => x.email),
        rows.map((x) => x.zaloId),
        rows.map((x) => pgArray(x.channels)),
      ],
    );
    const ids = r.rows.map((x) => x.id);
    await c.query(
      `INSERT INTO student_guardians (student_id, guardian_id, relation) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])`,
      [rows.map((x) => x.studentId), ids, rows.map((x) => x.relation)],
    );
    return ids;
  }
}
