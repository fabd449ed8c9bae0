import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

export const USER_ROLES = ['admin', 'district', 'school', 'teacher', 'parent'] as const;
export const UserRoleSchema = z.enum(USER_ROLES);

export const LoginBodySchema = z.object({ username: z.string().trim().min(1).max(100), password: z.string().min(1).max(200) });

/** `POST /auth/login`. */
export const LoginResponseSchema = z
  .object({ accessToken: z.string(), expiresIn: z.number().int(), role: UserRoleSchema, userId: UuidSchema })
  .passthrough();
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

/** `GET /auth/me`: the signed-in user and its scope. */
export const CallerSchema = z.object({
  userId: z.string(),
  username: z.string(),
  role: UserRoleSchema,
  districtId: UuidSchema.nullable(),
  schoolId: UuidSchema.nullable(),
  classIds: z.array(UuidSchema),
  studentIds: z.array(UuidSchema),
});
export type CallerView = z.infer<typeof CallerSchema>;

/** `GET /users`. */
export const UserViewSchema = z.object({
  id: UuidSchema,
  username: z.string(),
  role: UserRoleSchema,
  displayName: z.string().nullable(),
  districtId: UuidSchema.nullable(),
  schoolId: UuidSchema.nullable(),
  active: z.boolean(),
  classIds: z.array(UuidSchema),
  studentIds: z.array(UuidSchema),
  createdAt: z.union([InstantSchema, z.date()]),
});
export type UserView = z.infer<typeof UserViewSchema>;
export const UserViewsSchema = z.array(UserViewSchema);

/** `POST /users`, `POST /districts`, …: the id of what was made. */
export const CreatedIdSchema = z.object({ id: UuidSchema });
