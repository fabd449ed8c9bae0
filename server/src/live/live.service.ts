import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import { liveRoom, type ClientToServerEvents, type LiveAttendance, type LiveGatewayStatus, type LiveTap, type ServerToClientEvents } from '@rfid/protocol';
import { MetricsService } from '../metrics/metrics.service.js';

export type LiveServer = Server<ClientToServerEvents, ServerToClientEvents>;

/** Pushes events to the rooms of a school and its classes (the Socket.IO side is LiveGateway). */
@Injectable()
export class LiveService {
  private server: LiveServer | null = null;

  constructor(private readonly metrics: MetricsService) {}

  attach(server: LiveServer): void {
    this.server = server;
  }

  emitTaps(taps: LiveTap[]): void {
    const io = this.server;
    if (!io) return;
    for (const tap of taps) {
      const rooms = [liveRoom.school(tap.schoolId)];
      if (tap.classId) rooms.push(liveRoom.class(tap.classId));
      io.to(rooms).emit('tap', tap);
    }
    this.metrics.liveEvents.inc({ event: 'tap' }, taps.length);
  }

  emitAttendance(rows: LiveAttendance[]): void {
    const io = this.server;
    if (!io) return;
    for (const row of rows) io.to([liveRoom.school(row.schoolId), liveRoom.class(row.classId)]).emit('attendance', row);
    this.metrics.liveEvents.inc({ event: 'attendance' }, rows.length);
  }

  emitGatewayStatus(status: LiveGatewayStatus): void {
    this.server?.to(liveRoom.school(status.schoolId)).emit('gatewayStatus', status);
    this.metrics.liveEvents.inc({ event: 'gatewayStatus' });
  }
}
