import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { JoinRequest } from '@rfid/protocol';
import type { LiveAccessPolicy } from '../live/live-access.policy.js';
import { LOGGER, type Logger } from '../logger.js';
import { AuthService, bearerToken } from './auth.service.js';
import { ScopeService } from './scope.service.js';
import { sessionRoom, userRoom } from './sessions.service.js';

/**
 * Socket.IO `join`: the handshake carries the access token (`io({ auth: { token } })`, or an
 * `Authorization: Bearer` header). A school room carries every student's taps, so it needs FULL
 * access to the school (admin, its district, its school staff); a class room needs full access to
 * the class (also its teachers). Parents get no room (their children's events are per student).
 */
@Injectable()
export class AuthLiveAccessPolicy implements LiveAccessPolicy {
  private readonly log: Logger;

  constructor(
    private readonly auth: AuthService,
    private readonly scope: ScopeService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'live-auth' });
  }

  async canJoin(socket: Socket, request: JoinRequest): Promise<boolean> {
    let caller;
    try {
      caller = await this.auth.callerOfToken(tokenOf(socket));
    } catch {
      return false;
    }
    if (request.schoolId && (await this.scope.access(caller, 'school', request.schoolId)) !== 'full')
      return this.refuse(caller.username, request);
    if (request.classId && (await this.scope.access(caller, 'class', request.classId)) !== 'full')
      return this.refuse(caller.username, request);
    // So that ending the session, or changing the user's rights, closes this socket at once.
    await socket.join([
      userRoom(caller.userId),
      ...(caller.sessionId ? [sessionRoom(caller.sessionId)] : []),
    ]);
    return true;
  }

  async parentUserId(socket: Socket): Promise<string | null> {
    try {
      const caller = await this.auth.callerOfToken(tokenOf(socket));
      return caller.role === 'parent' ? caller.userId : null;
    } catch {
      return null;
    }
  }

  /** The handshake token's expiry: the gateway closes the socket then (the client reconnects with a fresh one). */
  expiresAt(socket: Socket): number | null {
    const token = tokenOf(socket);
    return token ? this.auth.expiryOfToken(token) : null;
  }

  private refuse(username: string, request: JoinRequest): false {
    this.log.info({ username, request }, 'live join refused');
    return false;
  }
}

/** The access token of a socket's handshake: `auth.token`, else an `Authorization: Bearer` header. */
function tokenOf(socket: Socket): string | null {
  const handshake = socket.handshake;
  const token = (handshake.auth as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? token : bearerToken(handshake.headers.authorization);
}
