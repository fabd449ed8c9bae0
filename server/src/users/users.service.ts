import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Database } from '../db/database.service.js';
import { USER_ROLES, type UserRole } from '../db/entities/index.js';
import { DomainError } from '../common/domain-error.js';
import { SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { AuthService } from '../auth/auth.service.js';
import { ScopeService } from '../auth/scope.service.js';
import { STAFF_ROLES, type Caller } from '../auth/caller.js';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService, type RevokeReason } from '../auth/sessions.service.js';
import { passwordProblem, PasswordSchema } from '../auth/password-policy.js';
import { UserAccessRepository } from './user-access.repository.js';
import { UsersRepository } from './users.repository.js';

export const NewUserSchema = z.object({
  username: z
    .string()
    .trim()
    .regex(/^[\p{L}\p{N}_.@+-]{3,64}$/u, '3–64 letters, digits or _ . @ + -'),
  password: PasswordSchema,
  role: z.enum(USER_ROLES),
  displayName: z.string().trim().max(200).optional(),
  districtId: z.string().uuid().optional(),
  schoolId: z.string().uuid().optional(),
  classIds: z.array(z.string().uuid()).max(100).optional(),
  studentIds: z.array(z.string().uuid()).max(100).optional(),
  /** Parent: guardians (of students in the creator's scope) this user is; their children follow. */
  guardianIds: z.array(z.string().uuid()).max(20).optional(),
});
export type NewUser = z.infer<typeof NewUserSchema>;

/** `PATCH /users/{id}`: any of these; role and scope fields as for a new user of that role. */
export const UserPatchSchema = z
  .object({
    password: NewUserSchema.shape.password.optional(),
    active: z.boolean().optional(),
    displayName: z.string().trim().max(200).optional(),
    role: NewUserSchema.shape.role.optional(),
    districtId: NewUserSchema.shape.districtId,
    schoolId: NewUserSchema.shape.schoolId,
    classIds: NewUserSchema.shape.classIds,
    studentIds: NewUserSchema.shape.studentIds,
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');
export type UserPatch = z.infer<typeof UserPatchSchema>;

export interface UserView {
  id: string;
  username: string;
  role: UserRole;
  displayName: string | null;
  districtId: string | null;
  schoolId: string | null;
  active: boolean;
  classIds: string[];
  studentIds: string[];
  createdAt: string;
}

/** Users, their roles and scope; the first admin on the first start. */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly auth: AuthService,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
    private readonly access: UserAccessRepository,
    private readonly users: UsersRepository,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'users' });
  }

  /**
   * First start: when no user exists, create `admin` with ADMIN_PASSWORD, or with a random password
   * printed once to stdout as `ADMIN PASSWORD: <password>`. Safe with replicas starting together:
   * only the instance whose insert wins prints.
   */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const password = this.config.adminPassword ?? randomBytes(12).toString('base64url');
    const id = await this.users.insertFirstAdmin(await this.auth.hashPassword(password));
    if (!id) return;
    await this.audit.record(null, {
      action: 'user.create',
      entity: 'user',
      entityId: id,
      details: { username: 'admin', role: 'admin', firstStart: true },
    });
    this.log.info({ username: 'admin', fromEnv: !!this.config.adminPassword }, 'first admin created');
    if (!this.config.adminPassword) process.stdout.write(`ADMIN PASSWORD: ${password}\n`);
  }

  async create(caller: Caller, input: NewUser): Promise<{ id: string }> {
    const weak = passwordProblem(input.password, input.username);
    if (weak) throw new DomainError('bad_request', `password: ${weak}`);
    const scope = await this.checkScopeFields(caller, input);
    const hash = await this.auth.hashPassword(input.password);
    return this.db.transaction(async (c) => {
      if (await this.users.usernameTaken(c, input.username))
        throw new DomainError('conflict', `username "${input.username}" is taken`);
      const id = await this.users.insert(
        c,
        {
          username: input.username,
          passwordHash: hash,
          role: input.role,
          districtId: scope.districtId,
          schoolId: scope.schoolId,
          displayName: input.displayName?.normalize('NFC') ?? null,
        },
        scope.classIds,
        scope.studentIds,
      );
      if (scope.guardianIds?.length) {
        const linked = await this.users.linkGuardians(c, id, scope.guardianIds);
        if (linked !== scope.guardianIds.length)
          throw new DomainError('conflict', 'a guardian already has a user');
      }
      await this.audit.record(
        caller,
        {
          action: 'user.create',
          entity: 'user',
          entityId: id,
          schoolId: scope.schoolId,
          details: {
            username: input.username,
            role: input.role,
            districtId: scope.districtId,
            classIds: scope.classIds,
            studentIds: scope.studentIds,
            guardianIds: scope.guardianIds,
          },
        },
        c,
      );
      return { id };
    });
  }

  async list(caller: Caller): Promise<UserView[]> {
    let cond = 'TRUE';
    const params: unknown[] = [];
    if (caller.role === 'district') {
      cond = 'u.district_id = $1 OR u.school_id IN (SELECT id FROM schools WHERE district_id = $1)';
      params.push(caller.districtId);
    } else if (caller.role === 'school') {
      cond = 'u.school_id = $1';
      params.push(caller.schoolId);
    } else if (caller.role !== 'admin') {
      cond = 'u.id = $1';
      params.push(caller.userId);
    }
    return this.users.list({ sql: cond, params });
  }

  /**
   * Change a user's password, display name, active flag, role or scope (staff, within scope;
   * anybody their own password and name). A new password ends the user's other sessions; a role
   * or scope change and deactivation end all of them, live connections included.
   */
  async update(caller: Caller, userId: string, patch: UserPatch): Promise<void> {
    const target = (await this.list(caller)).find((u) => u.id === userId);
    if (!target) throw new DomainError('not_found', `user ${userId} not found`);
    const self = userId === caller.userId;
    const changesAccess =
      patch.role !== undefined ||
      patch.districtId !== undefined ||
      patch.schoolId !== undefined ||
      patch.classIds !== undefined ||
      patch.studentIds !== undefined;
    if (!self && !STAFF_ROLES.includes(caller.role))
      throw new DomainError('forbidden', `a ${caller.role} user may not change other users`);
    if (self && patch.active === false) throw new DomainError('bad_request', 'you cannot disable yourself');
    const weak = patch.password ? passwordProblem(patch.password, target.username) : null;
    if (weak) throw new DomainError('bad_request', `password: ${weak}`);
    if (self && changesAccess) throw new DomainError('forbidden', 'you cannot change your own role or scope');
    if (!self && target.role === 'admin' && caller.role !== 'admin')
      throw new DomainError('forbidden', 'only an admin may change an admin');
    let access: Awaited<ReturnType<UsersService['checkScopeFields']>> & { role: UserRole } = {
      ...target,
      guardianIds: undefined,
    };
    if (changesAccess) {
      const role = patch.role ?? target.role;
      const same = role === target.role;
      const wanted: NewUser = {
        username: target.username,
        password: 'unused-by-the-scope-check',
        role,
        districtId: patch.districtId ?? (same ? (target.districtId ?? undefined) : undefined),
        schoolId: patch.schoolId ?? (same ? (target.schoolId ?? undefined) : undefined),
        classIds: patch.classIds ?? (same ? target.classIds : undefined),
        studentIds: patch.studentIds ?? (same ? target.studentIds : undefined),
      };
      // The new role and scope must be one the caller could have created.
      access = { ...(await this.checkScopeFields(caller, wanted)), role };
    }
    const reason: RevokeReason | null =
      patch.active === false
        ? 'deactivated'
        : changesAccess
          ? patch.role !== undefined && patch.role !== target.role
            ? 'role_change'
            : 'scope_change'
          : patch.password
            ? 'password_change'
            : null;
    const revoked = await this.db.transaction(async (c) => {
      await this.users.update(c, userId, {
        passwordHash: patch.password ? await this.auth.hashPassword(patch.password) : undefined,
        active: patch.active,
        displayName: patch.displayName?.normalize('NFC'),
      });
      if (changesAccess) await this.access.setRoleAndScope(c, userId, access);
      // Own password change: the other sessions end, the one making the change goes on.
      const ended = reason
        ? await this.sessions.revokeAllOfUser(
            c,
            userId,
            reason,
            reason === 'password_change' && self ? (caller.sessionId ?? null) : null,
          )
        : [];
      await this.audit.record(
        caller,
        {
          action: 'user.update',
          entity: 'user',
          entityId: userId,
          schoolId: target.schoolId,
          details: {
            password: patch.password ? 'changed' : undefined,
            active: patch.active,
            displayName: patch.displayName,
            ...(changesAccess
              ? {
                  from: {
                    role: target.role,
                    districtId: target.districtId,
                    schoolId: target.schoolId,
                    classIds: target.classIds,
                    studentIds: target.studentIds,
                  },
                  to: {
                    role: access.role,
                    districtId: access.districtId,
                    schoolId: access.schoolId,
                    classIds: access.classIds,
                    studentIds: access.studentIds,
                  },
                }
              : {}),
            sessionsEnded: ended.length,
          },
        },
        c,
      );
      return ended;
    });
    this.sessions.closeSockets(revoked, reason && reason !== 'password_change' ? userId : undefined);
  }

  /** The scope columns the new user's role needs, each checked against the creator's own scope. */
  private async checkScopeFields(
    caller: Caller,
    u: NewUser,
  ): Promise<{
    districtId: string | null;
    schoolId: string | null;
    classIds: string[];
    studentIds: string[];
    guardianIds?: string[];
  }> {
    if (!STAFF_ROLES.includes(caller.role))
      throw new DomainError('forbidden', `a ${caller.role} user may not create users`);
    const need = (field: keyof NewUser, ok: boolean) => {
      if (!ok) throw new DomainError('bad_request', `${field} is required for role ${u.role}`);
    };
    switch (u.role) {
      case 'admin':
        if (caller.role !== 'admin') throw new DomainError('forbidden', 'only an admin may create admins');
        return { districtId: null, schoolId: null, classIds: [], studentIds: [] };
      case 'district': {
        need('districtId', !!u.districtId);
        if (caller.role === 'school')
          throw new DomainError('forbidden', 'a school user may not create district users');
        await this.scope.require(caller, 'district', u.districtId!);
        return { districtId: u.districtId!, schoolId: null, classIds: [], studentIds: [] };
      }
      case 'school': {
        need('schoolId', !!u.schoolId);
        await this.scope.require(caller, 'school', u.schoolId!);
        const [s] = await this.db.query<{ district_id: string }>(
          'SELECT district_id FROM schools WHERE id = $1',
          [u.schoolId],
        );
        return { districtId: s!.district_id, schoolId: u.schoolId!, classIds: [], studentIds: [] };
      }
      case 'teacher': {
        need('classIds', !!u.classIds?.length);
        const classIds = [...new Set(u.classIds)];
        for (const id of classIds) await this.scope.require(caller, 'class', id);
        const schools = await this.db.query<{ school_id: string; district_id: string }>(
          'SELECT DISTINCT c.school_id, s.district_id FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.id = ANY($1::uuid[])',
          [classIds],
        );
        if (schools.length !== 1)
          throw new DomainError('bad_request', 'classIds: a teacher’s classes must all be in one school');
        if (u.schoolId && u.schoolId !== schools[0]!.school_id)
          throw new DomainError('bad_request', 'schoolId: not the school of classIds');
        return {
          districtId: schools[0]!.district_id,
          schoolId: schools[0]!.school_id,
          classIds,
          studentIds: [],
        };
      }
      case 'parent': {
        need('studentIds', !!u.studentIds?.length || !!u.guardianIds?.length);
        const studentIds = [...new Set(u.studentIds ?? [])];
        for (const id of studentIds) await this.scope.require(caller, 'student', id);
        const guardianIds = [...new Set(u.guardianIds ?? [])];
        for (const id of guardianIds) {
          const children = await this.db.query<{ student_id: string }>(
            'SELECT student_id FROM student_guardians WHERE guardian_id = $1',
            [id],
          );
          let visible = children.length > 0;
          for (const ch of children)
            if ((await this.scope.access(caller, 'student', ch.student_id)) !== 'full') visible = false;
          if (!visible) throw new DomainError('not_found', `guardian ${id} not found`);
        }
        return { districtId: null, schoolId: null, classIds: [], studentIds, guardianIds };
      }
    }
  }
}
