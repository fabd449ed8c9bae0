import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import argon2 from 'argon2';
import { createHash } from 'node:crypto';
import type { Clock, LoginResponse } from '@rfid/protocol';
import { Database } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import type { UserRole } from '../db/entities/user.entity.js';
import type { Caller } from './caller.js';
import { THROTTLE_STORE, type ThrottleStore } from '../throttle/throttle-store.js';
import { ScopeService } from './scope.service.js';
import { SessionsService } from './sessions.service.js';

/** The one signing algorithm; a token naming any other (`none` included) is refused. */
export const JWT_ALGORITHM = 'HS256';

interface TokenClaims {
  sub: string;
  /** The session (refresh-token family) this access token belongs to. */
  sid: string;
  role: string;
  username: string;
}

/**
 * Passwords (argon2id), access tokens (JWT HS256 with `iss`, `aud`, `sid`, at most 15 minutes by
 * the injected clock), sessions with rotating refresh tokens (SessionsService), login throttling.
 */
@Injectable()
export class AuthService {
  private readonly log: Logger;
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Database,
    private readonly jwt: JwtService,
    private readonly scope: ScopeService,
    private readonly sessions: SessionsService,
    @Inject(THROTTLE_STORE) private readonly throttle: ThrottleStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'auth' });
  }

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async login(
    username: string,
    password: string,
    ip: string,
    userAgent: string | null = null,
  ): Promise<LoginResponse> {
    const name = username.normalize('NFC').trim();
    // Failures per username and address, shared by every replica; the key is a hash (no personal data stored).
    const key = `login:${createHash('sha256').update(`${name.toLowerCase()}\n${ip}`).digest('hex')}`;
    const wait = await this.throttle.blockedForMs(key);
    if (wait > 0)
      throw new DomainError(
        'too_many_requests',
        `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`,
      );
    const [u] = await this.db.query<{
      id: string;
      password_hash: string;
      role: UserRole;
      active: boolean;
      username: string;
    }>('SELECT id, username, password_hash, role, active FROM users WHERE lower(username) = lower($1)', [
      name,
    ]);
    // Verify against a dummy hash for unknown users so timing does not tell which usernames exist.
    const hash = u?.password_hash ?? (await (this.dummyHash ??= this.hashPassword('not-a-password')));
    const ok = (await argon2.verify(hash, password).catch(() => false)) && !!u && u.active;
    if (!ok || !u) {
      // The store blocks once hits exceed its limit: the LOGIN_MAX_FAILURES-th failure locks.
      const lockMs = this.config.loginLockSeconds * 1000;
      await this.throttle.increment(key, lockMs, this.config.loginMaxFailures - 1, lockMs, 'login');
      this.log.warn({ ip }, 'login failed');
      throw new DomainError('unauthorized', 'wrong username or password');
    }
    await this.throttle.reset(key);
    const session = await this.sessions.start(u.id, userAgent);
    return this.tokens(u, session.sessionId, session.refreshToken);
  }

  /** `POST /auth/refresh`: spend the refresh token, answer the next pair (401 when it is no good). */
  async refresh(refreshToken: string): Promise<LoginResponse> {
    const next = await this.sessions.rotate(refreshToken);
    const [u] = await this.db.query<{ id: string; username: string; role: UserRole; active: boolean }>(
      'SELECT id, username, role, active FROM users WHERE id = $1',
      [next.userId],
    );
    if (!u?.active) {
      await this.sessions.end(next.sessionId, 'deactivated');
      throw new DomainError('unauthorized', 'the user no longer exists or is disabled');
    }
    return this.tokens(u, next.sessionId, next.refreshToken);
  }

  /** `POST /auth/logout`: end the session of the refresh token, or else of the bearer token. */
  async logout(refreshToken: string | undefined, bearer: string | null): Promise<void> {
    let sessionId: string | null = null;
    if (refreshToken) sessionId = (await this.sessions.sessionOfToken(refreshToken))?.sessionId ?? null;
    else if (bearer) sessionId = (await this.callerOfToken(bearer)).sessionId ?? null;
    if (!sessionId)
      throw new DomainError(
        'unauthorized',
        'no session to end: give its refreshToken or a valid bearer token',
      );
    await this.sessions.end(sessionId, 'logout');
  }

  private async tokens(
    u: { id: string; username: string; role: UserRole },
    sessionId: string,
    refreshToken: string,
  ): Promise<LoginResponse> {
    const ttl = this.config.accessTokenTtlSeconds;
    const claims: TokenClaims & { iat: number } = {
      sub: u.id,
      sid: sessionId,
      role: u.role,
      username: u.username,
      iat: Math.floor(this.clock.now().getTime() / 1000),
    };
    const accessToken = await this.jwt.signAsync(claims, {
      algorithm: JWT_ALGORITHM,
      expiresIn: ttl,
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
    });
    return { accessToken, refreshToken, expiresIn: ttl, role: u.role, userId: u.id, sessionId };
  }

  /**
   * The caller of a bearer token; 401 when the token is missing, not ours (algorithm, key,
   * issuer, audience), expired by the clock, its session revoked, or its user inactive.
   */
  async callerOfToken(token: string | undefined | null): Promise<Caller> {
    if (!token) throw new DomainError('unauthorized', 'a bearer token is required (POST /api/v1/auth/login)');
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwtIssuer,
        audience: this.config.jwtAudience,
        clockTimestamp: Math.floor(this.clock.now().getTime() / 1000),
      });
    } catch {
      throw new DomainError('unauthorized', 'the access token is invalid or expired; sign in again');
    }
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string')
      throw new DomainError('unauthorized', 'the access token is invalid or expired; sign in again');
    if (!(await this.sessions.isOpen(claims.sid, claims.sub)))
      throw new DomainError('unauthorized', 'the session has ended; sign in again');
    const caller = await this.scope.loadCaller(claims.sub);
    if (!caller) throw new DomainError('unauthorized', 'the user no longer exists or is disabled');
    return { ...caller, sessionId: claims.sid };
  }

  /**
   * When an access token expires (ms since the epoch, from its `exp`), or null. The token is read,
   * not checked: ask only about a token `callerOfToken` has accepted.
   */
  expiryOfToken(token: string): number | null {
    const claims = this.jwt.decode<{ exp?: unknown } | null>(token);
    return typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
  }
}

export function bearerToken(header: string | string[] | undefined): string | null {
  const h = Array.isArray(header) ? header[0] : header;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h.trim()) : null;
  return m?.[1] ?? null;
}
