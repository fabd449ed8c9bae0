import { Injectable } from '@nestjs/common';
import type { SqlClient } from '../db/database.service.js';
import type { UserRole } from '../db/entities/index.js';

/** The SQL that changes what a user may see: role and scope rows. */
@Injectable()
export class UserAccessRepository {
  async setRoleAndScope(
    c: SqlClient,
    userId: string,
    a: {
      role: UserRole;
      districtId: string | null;
      schoolId: string | null;
      classIds: string[];
      studentIds: string[];
    },
  ): Promise<void> {
    await c.query('UPDATE users SET role = $2, district_id = $3, school_id = $4 WHERE id = $1', [
      userId,
      a.role,
      a.districtId,
      a.schoolId,
    ]);
    await c.query('DELETE FROM user_classes WHERE user_id = $1', [userId]);
    await c.query('DELETE FROM user_students WHERE user_id = $1', [userId]);
    if (a.classIds.length)
      await c.query('INSERT INTO user_classes (user_id, class_id) SELECT $1, unnest($2::uuid[])', [
        userId,
        a.classIds,
      ]);
    if (a.studentIds.length)
      await c.query('INSERT INTO user_students (user_id, student_id) SELECT $1, unnest($2::uuid[])', [
        userId,
        a.studentIds,
      ]);
    // A user who is no longer a parent is no longer any guardian's account.
    if (a.role !== 'parent')
      await c.query('UPDATE guardians SET user_id = NULL WHERE user_id = $1', [userId]);
  }
}
