/**
 * Sessions and refresh tokens (CONTRACT §4, RFC 9700 §4.14): a sign-in opens a session; each
 * refresh spends the presented token and issues the next; presenting a spent token again means it
 * was copied, so the whole session (token family) is revoked. Logout, a password change, a role
 * or scope change and deactivation revoke sessions at once, and the session's open Socket.IO
 * connections are closed. Expiry reads the injected clock.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '@rfid/protocol';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { Database, type SqlClient } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { LiveService } from '../live/live.service.js';
import { LOGGER, type Logger } from '../logger.js';
import { AuditService } from '../audit/audit.service.js';
import { SessionsRepository, type SessionRow } from './sessions.repository.js';

export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
export const userRoom = (userId: string): string => `user:${userId}`;

export type RevokeReason =
  | 'logout'
  | 'ended_by_user'
  | 'refresh_reuse'
  | 'password_change'
  | 'role_change'
  | 'scope_change'
  | 'deactivated'
  | 'erased';

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

@Injectable()
export class SessionsService {
  private readonly log: Logger;

  constructor(
    private readonly db: Database,
    private readonly repo: SessionsRepository,
    private readonly live: LiveService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'sessions' });
  }

  private newToken(): { token: string; hash: Buffer; expiresAt: Date; now: Date } {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    return {
      token,
      hash: hashToken(token),
      now,
      expiresAt: new Date(now.getTime() + this.config.refreshTokenTtlSeconds * 1000),
    };
  }

  async start(
    userId: string,
    userAgent: string | null,
  ): Promise<{ sessionId: string; refreshToken: string }> {
    const t = this.newToken();
    const sessionId = await this.db.transaction((c) =>
      this.repo.create(c, userId, t.hash, t.now, t.expiresAt, userAgent?.slice(0, 200) ?? null),
    );
    return { sessionId, refreshToken: t.token };
  }

  /** Spend a refresh token: the session it belongs to and the next token, or 401. */
  async rotate(refreshToken: string): Promise<{ sessionId: string; userId: string; refreshToken: string }> {
    const presented = hashToken(refreshToken);
    const outcome = await this.db.transaction(async (c) => {
      const row = await this.repo.lockToken(c, presented);
      const now = this.clock.now();
      if (!row) return { refused: 'unknown' as const };
      if (row.revokedAt) return { refused: 'revoked' as const };
      if (row.spentAt) {
        await this.repo.revoke(c, row.sessionId, now, 'refresh_reuse');
        await this.audit.record(
          null,
          {
            action: 'session.revoke',
            entity: 'user',
            entityId: row.userId,
            details: { sessionId: row.sessionId, reason: 'refresh_reuse' },
          },
          c,
        );
        return { refused: 'reused' as const, sessionId: row.sessionId, userId: row.userId };
      }
      if (row.tokenExpiresAt <= now || row.sessionExpiresAt <= now) return { refused: 'expired' as const };
      const next = this.newToken();
      await this.repo.spend(c, presented, now);
      await this.repo.addToken(c, row.sessionId, next.hash, now, next.expiresAt);
      await this.repo.touch(c, row.sessionId, now, next.expiresAt);
      return { refused: null, sessionId: row.sessionId, userId: row.userId, refreshToken: next.token };
    });
    if (outcome.refused === 'reused') {
      this.log.warn(
        { sessionId: outcome.sessionId, userId: outcome.userId },
        'spent refresh token presented again: session revoked',
      );
      this.live.disconnectRooms([sessionRoom(outcome.sessionId)]);
    }
    if (outcome.refused !== null)
      throw new DomainError(
        'unauthorized',
        'the refresh token is invalid, expired or revoked; sign in again',
      );
    return { sessionId: outcome.sessionId, userId: outcome.userId, refreshToken: outcome.refreshToken };
  }

  /** The session a refresh token belongs to (without spending it), for logout. */
  async sessionOfToken(refreshToken: string): Promise<{ sessionId: string; userId: string } | null> {
    return this.db.transaction(async (c) => {
      const row = await this.repo.lockToken(c, hashToken(refreshToken));
      return row ? { sessionId: row.sessionId, userId: row.userId } : null;
    });
  }

  isOpen(sessionId: string, userId: string): Promise<boolean> {
    return this.repo.isOpen(sessionId, userId, this.clock.now());
  }

  list(userId: string): Promise<SessionRow[]> {
    return this.repo.listOpen(userId, this.clock.now());
  }

  ownerOf(sessionId: string): Promise<string | null> {
    return this.repo.ownerOf(sessionId);
  }

  /** End one session now (and its sockets). */
  async end(sessionId: string, reason: RevokeReason): Promise<boolean> {
    const revoked = await this.db.transaction((c) =>
      this.repo.revoke(c, sessionId, this.clock.now(), reason),
    );
    this.live.disconnectRooms(revoked.map(sessionRoom));
    return revoked.length > 0;
  }

  /**
   * Revoke every session of a user inside the caller's transaction `c` (but `keep`, the caller's
   * own session on a password change of their own). Call `closeSockets` with the answer after commit.
   */
  revokeAllOfUser(
    c: SqlClient,
    userId: string,
    reason: RevokeReason,
    keep: string | null = null,
  ): Promise<string[]> {
    return this.repo.revokeAllOfUser(c, userId, this.clock.now(), reason, keep);
  }

  /** After commit: close the sockets of revoked sessions (or of the whole user when `userId` is given). */
  closeSockets(sessionIds: string[], userId?: string): void {
    this.live.disconnectRooms([...sessionIds.map(sessionRoom), ...(userId ? [userRoom(userId)] : [])]);
  }
}
