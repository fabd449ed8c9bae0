import type { Socket } from 'socket.io';
import type { JoinRequest } from '@rfid/protocol';

/**
 * Who may join which live room. The default lets everyone in (no auth yet); the auth module (#6)
 * provides its own under LIVE_ACCESS_POLICY that checks the handshake token and the caller's scope.
 */
export interface LiveAccessPolicy {
  canJoin(socket: Socket, request: JoinRequest): Promise<boolean> | boolean;
  /** The parent user behind the socket (their own room), or null. */
  parentUserId?(socket: Socket): Promise<string | null> | string | null;
  /**
   * When the credentials the socket was admitted with expire (ms since the epoch by the injected
   * clock), or null for never: the gateway closes the socket then.
   */
  expiresAt?(socket: Socket): number | null;
}

export const LIVE_ACCESS_POLICY = Symbol('LIVE_ACCESS_POLICY');

export class OpenLiveAccessPolicy implements LiveAccessPolicy {
  canJoin(): boolean {
    return true;
  }
}
