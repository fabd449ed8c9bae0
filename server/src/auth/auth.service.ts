import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import argon2 from 'argon2';
import { Database } from '../db/database.service.js';
import { DomainError } from '../common/domain-error.js';
import { LOGGER, type Logger } from '../logger.js';
import type { LoginResponse } from '@rfid/protocol';
import type { UserRole } from '../db/entities/user.entity.js';
import type { Caller } from './caller.js';
import { LoginThrottle } from './login-throttle.js';
import { ScopeService } from './scope.service.js';

/** Access tokens live one hour; the dashboard signs in again after that. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

interface TokenClaims {
  sub: string;
  role: string;
  username: string;
}

/** Passwords (argon2id), access tokens (JWT, HS256, `jwtSecret`), login throttling. */
@Injectable()
export class AuthService {
  private readonly log: Logger;
  /** Wall time on purpose: the injected clock is the school-day clock, not the throttle's. */
  readonly throttle = new LoginThrottle(() => Date.now());
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Database,
    private readonly jwt: JwtService,
    private readonly scope: ScopeService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'auth' });
  }

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async login(username: string, password: string, ip: string): Promise<LoginResponse> {
    const name = username.normalize('NFC').trim();
    const wait = this.throttle.retryAfterMs(name, ip);
    if (wait > 0) throw new DomainError('too_many_requests', `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`);
    const [u] = await this.db.query<{ id: string; password_hash: string; role: UserRole; active: boolean; username: string }>(
      'SELECT id, username, password_hash, role, active FROM users WHERE lower(username) = lower($1)',
      [name],
    );
    // Verify against a dummy hash for unknown users so timing does not tell which usernames exist.
    const hash = u?.password_hash ?? (await (this.dummyHash ??= this.hashPassword('not-a-password')));
    const ok = (await argon2.verify(hash, password).catch(() => false)) && !!u && u.active;
    if (!ok || !u) {
      this.throttle.failed(name, ip);
      this.log.warn({ username: name, ip }, 'login failed');
      throw new DomainError('unauthorized', 'wrong username or password');
    }
    this.throttle.succeeded(name, ip);
    const claims: TokenClaims = { sub: u.id, role: u.role, username: u.username };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: ACCESS_TOKEN_TTL_SECONDS });
    return { accessToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS, role: u.role, userId: u.id };
  }

  /** The caller of a bearer token; 401 when the token is missing, bad, expired or its user inactive. */
  async callerOfToken(token: string | undefined | null): Promise<Caller> {
    if (!token) throw new DomainError('unauthorized', 'a bearer token is required (POST /api/v1/auth/login)');
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims>(token);
    } catch {
      throw new DomainError('unauthorized', 'the access token is invalid or expired; sign in again');
    }
    const caller = await this.scope.loadCaller(claims.sub);
    if (!caller) throw new DomainError('unauthorized', 'the user no longer exists or is disabled');
    return caller;
  }
}

export function bearerToken(header: string | string[] | undefined): string | null {
  const h = Array.isArray(header) ? header[0] : header;
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h.trim()) : null;
  return m?.[1] ?? null;
}
