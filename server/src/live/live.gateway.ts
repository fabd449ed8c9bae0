import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { liveRoom, type Clock, type JoinReply, type JoinRequest } from '@rfid/protocol';
import { CLOCK } from '../config/config.js';
import { LOGGER, type Logger } from '../logger.js';
import { LIVE_ACCESS_POLICY, type LiveAccessPolicy } from './live-access.policy.js';
import { LiveService, type LiveServer } from './live.service.js';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Socket.IO on the HTTP port: `join({schoolId}|{classId}, reply)` → room; events from LiveService.
 * Origins and CORS are the adapter's (SecureIoAdapter: same origin or CORS_ORIGINS). A socket
 * admitted to a room with an access token is closed when that token expires (by the injected
 * clock); the client reconnects with a fresh one (web/src/lib/live.ts refreshes it first).
 */
@WebSocketGateway()
export class LiveGateway implements OnGatewayInit {
  private readonly log: Logger;

  constructor(
    private readonly live: LiveService,
    @Inject(LIVE_ACCESS_POLICY) private readonly policy: LiveAccessPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'live' });
  }

  afterInit(server: LiveServer): void {
    this.live.attach(server);
    server.on('connection', (socket) => {
      // The handshake (and so its token) is fixed for the socket's life: one expiry timer.
      let expiry: ReturnType<typeof setTimeout> | null = null;
      socket.on('disconnect', () => {
        if (expiry) clearTimeout(expiry);
        expiry = null;
      });
      socket.on('join', (req: JoinRequest, reply?: (r: JoinReply) => void) => {
        const answer = typeof reply === 'function' ? reply : () => undefined;
        this.join(socket, req).then(
          (r) => {
            if (r.ok && !expiry && socket.connected) expiry = this.closeAtExpiry(socket);
            answer(r);
          },
          (e: unknown) => {
            this.log.warn({ err: e }, 'join failed');
            answer({ ok: false, rooms: [], error: 'join failed' });
          },
        );
      });
    });
  }

  /** Close the socket when its credentials expire; null when they do not. */
  private closeAtExpiry(socket: Socket): ReturnType<typeof setTimeout> | null {
    const at = this.policy.expiresAt?.(socket) ?? null;
    if (at === null) return null;
    // At most 2³¹−1 ms (a Node timer); an access token lives 15 minutes at most.
    const delay = Math.min(Math.max(0, at - this.clock.now().getTime()), 2_147_483_647);
    const timer = setTimeout(() => {
      this.log.debug({ socketId: socket.id }, 'access token expired: live socket closed');
      socket.disconnect(true);
    }, delay);
    timer.unref();
    return timer;
  }

  private async join(socket: Socket, req: JoinRequest): Promise<JoinReply> {
    const rooms: string[] = [];
    if (req?.parent === true && !req.schoolId && !req.classId) {
      const userId = (await this.policy.parentUserId?.(socket)) ?? null;
      if (!userId) return { ok: false, rooms: [], error: 'forbidden' };
      await socket.join(liveRoom.parent(userId));
      return { ok: true, rooms: [liveRoom.parent(userId)] };
    }
    if (req?.schoolId && ID.test(req.schoolId)) rooms.push(liveRoom.school(req.schoolId));
    if (req?.classId && ID.test(req.classId)) rooms.push(liveRoom.class(req.classId));
    if (rooms.length === 0) return { ok: false, rooms: [], error: 'schoolId or classId (UUID) required' };
    if (!(await this.policy.canJoin(socket, req))) return { ok: false, rooms: [], error: 'forbidden' };
    await socket.join(rooms);
    return { ok: true, rooms };
  }
}
