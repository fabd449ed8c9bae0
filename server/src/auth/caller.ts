import type { UserRole } from '../db/entities/index.js';

/**
 * The person behind a request, loaded from the database on every request (so a deactivated user
 * or a changed class list takes effect at once, whatever the token says).
 */
export interface Caller {
  userId: string;
  username: string;
  role: UserRole;
  districtId: string | null;
  schoolId: string | null;
  /** Teacher: the classes taught. */
  classIds: string[];
  /** Parent: own children (user_students ∪ students of guardians linked to the user). */
  studentIds: string[];
  /** The session of the access token (absent for callers not made from a token). */
  sessionId?: string;
}

/**
 * How much of an entity the caller may see:
 * - `full`: the entity and everything under it;
 * - `partial`: only the caller's own part of it (a teacher's classes in a school, a parent's
 *   children in a school or class) — lists are cut to those students;
 * - `none`: not visible; answered 404 like an id that does not exist (existence is never leaked).
 */
export type Access = 'full' | 'partial' | 'none';

export type ScopedKind = 'district' | 'school' | 'class' | 'student';

/** Roles that manage the directory (schools, classes, students, cards, devices) within their scope. */
export const STAFF_ROLES: readonly UserRole[] = ['admin', 'district', 'school'];

export function actorOf(caller: Caller | null | undefined): string {
  return caller ? `user:${caller.username}` : 'system';
}
