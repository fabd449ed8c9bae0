/** Typed Socket.IO events (CONTRACT §4), shared by the server and the web dashboard. */
import type { LiveNotification } from './api/notifications.js';
export type AttendanceStatus = 'present' | 'late' | 'absent' | 'excused' | 'pending';

export interface LiveTap {
  id: string;
  schoolId: string;
  gatewayId: string;
  terminal: string;
  card: string;
  at: string;
  direction: 'in' | 'out' | null;
  studentId: string | null;
  classId: string | null;
  name: string | null;
}

export interface LiveAttendance {
  schoolId: string;
  classId: string;
  studentId: string;
  date: string;
  status: AttendanceStatus;
  firstIn: string | null;
  lastOut: string | null;
  tapId: string | null;
}

export interface LiveGatewayStatus {
  schoolId: string;
  gatewayId: string;
  online: boolean;
  queue: number | null;
  terminals: { id: string; online: boolean; lastSeen: string | null }[];
  at: string;
}

/** A school's roster changed (students, classes or cards added, moved or retired): re-read it. */
export interface LiveRoster {
  schoolId: string;
  at: string;
}

export interface ServerToClientEvents {
  tap: (tap: LiveTap) => void;
  attendance: (row: LiveAttendance) => void;
  gatewayStatus: (status: LiveGatewayStatus) => void;
  /** In-app channel: a message for a guardian, to the page of the parent user linked to them. */
  notification: (n: LiveNotification) => void;
  roster: (change: LiveRoster) => void;
}

export interface JoinRequest {
  schoolId?: string;
  classId?: string;
  /** A parent's page: join the caller's own room (in-app notifications). */
  parent?: boolean;
}
export interface JoinReply {
  ok: boolean;
  rooms: string[];
  error?: string;
}

export interface ClientToServerEvents {
  join: (req: JoinRequest, reply: (r: JoinReply) => void) => void;
}

export const liveRoom = {
  school: (schoolId: string) => `school:${schoolId}`,
  class: (classId: string) => `class:${classId}`,
  /** A parent user's own room (joined on connect with their token): in-app notifications. */
  parent: (userId: string) => `parent:${userId}`,
};
