import { Inject, Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import {
  liveRoom,
  type ClientToServerEvents,
  type LiveAttendance,
  type LiveGatewayStatus,
  type LiveNotification,
  type LiveTap,
  type ServerToClientEvents,
  type Clock,
} from '@rfid/protocol';
import { MetricsService } from '../metrics/metrics.service.js';
import { CLOCK, SERVER_CONFIG, type ServerConfig } from '../config/config.js';

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;

/** Pushes events to the rooms of a school and its classes (the Socket.IO side is LiveGateway). */
@Injectable()
export class LiveService {
  private server: LiveServer | null = null;
  /**
   * With the in-memory adapter every watcher is a socket of this process, so an event for rooms
   * nobody has joined is not encoded at all (most schools have no dashboard open most of the
   * time). With Redis the watchers may be on another replica: every event goes out.
   */
  private readonly localOnly: boolean;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(SERVER_CONFIG) config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.localOnly = !config.redisUrl;
  }

  attach(server: LiveServer): void {
    this.server = server;
  }

  /** Whether anyone may be watching one of these rooms. */
  private watched(io: LiveServer, rooms: string[]): boolean {
    if (!this.localOnly) return true;
    const joined = io.sockets.adapter.rooms;
    return rooms.some((r) => (joined.get(r)?.size ?? 0) > 0);
  }

  emitTaps(taps: LiveTap[]): void {
    const io = this.server;
    if (!io) return;
    let sent = 0;
    for (const tap of taps) {
      const rooms = [liveRoom.school(tap.schoolId)];
      if (tap.classId) rooms.push(liveRoom.class(tap.classId));
      if (!this.watched(io, rooms)) continue;
      io.to(rooms).emit('tap', tap);
      sent++;
    }
    if (sent) this.metrics.liveEvents.inc({ event: 'tap' }, sent);
  }

  emitAttendance(rows: LiveAttendance[]): void {
    const io = this.server;
    if (!io) return;
    let sent = 0;
    for (const row of rows) {
      const rooms = [liveRoom.school(row.schoolId), liveRoom.class(row.classId)];
      if (!this.watched(io, rooms)) continue;
      io.to(rooms).emit('attendance', row);
      sent++;
    }
    if (sent) this.metrics.liveEvents.inc({ event: 'attendance' }, sent);
  }

  /** The school's roster changed: to the school's room and its classes' rooms (teachers re-read their class). */
  emitRoster(schoolId: string, classIds: string[]): void {
    const io = this.server;
    if (!io) return;
    const rooms = [liveRoom.school(schoolId), ...classIds.map(liveRoom.class)];
    if (!this.watched(io, rooms)) return;
    io.to(rooms).emit('roster', { schoolId, at: this.clock.now().toISOString() });
    this.metrics.liveEvents.inc({ event: 'roster' });
  }

  emitGatewayStatus(status: LiveGatewayStatus): void {
    this.server?.to(liveRoom.school(status.schoolId)).emit('gatewayStatus', status);
    this.metrics.liveEvents.inc({ event: 'gatewayStatus' });
  }

  /** In-app notification to a parent user's page; true when a page of theirs is connected here. */
  emitToParent(userId: string, n: LiveNotification): boolean {
    const io = this.server;
    if (!io) return false;
    const room = liveRoom.parent(userId);
    const here = (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
    if (!here && this.localOnly) return false;
    io.to(room).emit('notification', n);
    this.metrics.liveEvents.inc({ event: 'notification' });
    return here;
  }

  /**
   * Close every socket in these rooms (a revoked session, a user whose rights changed), on every
   * replica: with Redis the adapter forwards the request.
   */
  disconnectRooms(rooms: string[]): void {
    if (rooms.length) this.server?.in(rooms).disconnectSockets(true);
  }
}
