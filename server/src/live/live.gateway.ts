import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { liveRoom, type JoinReply, type JoinRequest } from '@rfid/protocol';
import { LOGGER, type Logger } from '../logger.js';
import { LIVE_ACCESS_POLICY, type LiveAccessPolicy } from './live-access.policy.js';
import { LiveService, type LiveServer } from './live.service.js';

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Socket.IO on the HTTP port: `join({schoolId}|{classId}, reply)` → room; events from LiveService.
 * Origins and CORS are the adapter's (SecureIoAdapter: same origin or CORS_ORIGINS).
 */
@WebSocketGateway()
export class LiveGateway implements OnGatewayInit {
  private readonly log: Logger;

  constructor(
    private readonly live: LiveService,
    @Inject(LIVE_ACCESS_POLICY) private readonly policy: LiveAccessPolicy,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'live' });
  }

  afterInit(server: LiveServer): void {
    this.live.attach(server);
    server.on('connection', (socket) => {
      socket.on('join', (req: JoinRequest, reply?: (r: JoinReply) => void) => {
        const answer = typeof reply === 'function' ? reply : () => undefined;
        this.join(socket, req).then(answer, (e: unknown) => {
          this.log.warn({ err: e }, 'join failed');
          answer({ ok: false, rooms: [], error: 'join failed' });
        });
      });
    });
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
