import { z } from 'zod';
import { InstantSchema, UuidSchema } from './common.js';

export const USER_ROLES = ['admin', 'district', 'school', 'teacher', 'parent'] as const;
export const UserRoleSchema = z.enum(USER_ROLES);

export const LoginBodySchema = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(200),
});

/**
 * `POST /auth/login` and `POST /auth/refresh`: a short access token (JWT, `expiresIn` seconds,
 * ≤ 900) and the session's refresh token (opaque, spent by its one use).
 */
export const LoginResponseSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int(),
    role: UserRoleSchema,
    userId: UuidSchema,
    sessionId: UuidSchema,
  })
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
  sessionId: UuidSchema.optional(),
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

/** `POST /auth/refresh` and `POST /auth/logout`. */
export const RefreshBodySchema = z.object({ refreshToken: z.string().min(20).max(200) });
export const LogoutBodySchema = z.object({ refreshToken: z.string().min(20).max(200).optional() });

/** `GET /auth/sessions`: the caller's open sessions (`current` is the one of this request). */
export const SessionViewSchema = z.object({
  id: UuidSchema,
  createdAt: z.union([InstantSchema, z.date()]),
  lastUsedAt: z.union([InstantSchema, z.date()]),
  expiresAt: z.union([InstantSchema, z.date()]),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;
export const SessionViewsSchema = z.array(SessionViewSchema);
