/**
 * The Socket.IO client (CONTRACT §4, docs/contract-extensions.md): one socket for the app,
 * authenticated with a current access token on every (re)connect (refreshed first when it is
 * about to expire, or when the server closed the link — it does so when the token expires),
 * joining the rooms a view asks for. A view learns whether it is live, and is told to re-read its snapshot after every
 * reconnect, so nothing that happened while the link was down is lost.
 */
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  JoinRequest,
  LiveAttendance,
  LiveGatewayStatus,
  LiveTap,
  ServerToClientEvents,
} from '@rfid/protocol';
import { getSession } from './session';
import { liveAccessToken } from './api';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type LiveState = 'connecting' | 'live' | 'lost' | 'refused';

let socket: LiveSocket | null = null;
/** The server closed the link: the next connect refreshes the access token first. */
let renew = false;

function theSocket(): LiveSocket {
  if (socket) return socket;
  const s: LiveSocket = io({
    transports: ['websocket'],
    auth: (cb) => {
      const force = renew;
      renew = false;
      liveAccessToken(force).then(
        (token) => cb({ token }),
        () => cb({ token: getSession()?.accessToken ?? '' }),
      );
    },
    reconnectionDelay: 500,
    reconnectionDelayMax: 4000,
    // A link that opens but never answers (a dead network) is given up after 8 s and retried.
    timeout: 8000,
  });
  // A disconnect the server asked for (the access token expired, the user's rights changed) is not
  // retried by Socket.IO itself; a dashboard must be, with a fresh token.
  s.on('disconnect', (reason) => {
    if (reason !== 'io server disconnect') return;
    renew = true;
    setTimeout(() => s.connect(), 1000);
  });
  s.on('connect_error', () => {
    if (!s.active) setTimeout(() => s.connect(), 2000);
  });
  socket = s;
  return s;
}

/** Close the socket (sign-out). */
export function closeLive(): void {
  socket?.disconnect();
  socket = null;
}

export interface LiveHandlers {
  tap?: (t: LiveTap) => void;
  attendance?: (a: LiveAttendance) => void;
  gatewayStatus?: (g: LiveGatewayStatus) => void;
  /** The school's roster changed (students imported, moved, cards): re-read the list. */
  roster?: (r: { schoolId: string }) => void;
  /** Called after every (re)connect once the rooms are joined: re-read the snapshot. */
  resync?: () => void;
}

/** Join `rooms` while the component is mounted; returns the state of the live link. */
export function useLive(rooms: JoinRequest[], handlers: LiveHandlers): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const ref = useRef(handlers);
  ref.current = handlers;
  const key = JSON.stringify(rooms);

  useEffect(() => {
    const wanted = JSON.parse(key) as JoinRequest[];
    if (wanted.length === 0) return;
    const s = theSocket();
    let first = true;
    let stopped = false;
    const join = async () => {
      const replies = await Promise.all(
        wanted.map((r) =>
          s
            .timeout(5000)
            .emitWithAck('join', r)
            .catch(() => ({ ok: false, rooms: [] })),
        ),
      );
      if (stopped) return;
      setState(replies.every((r) => r.ok) ? 'live' : 'refused');
      if (!first) ref.current.resync?.();
      first = false;
    };
    const onConnect = () => void join();
    const onDisconnect = () => {
      first = false;
      setState('lost');
    };
    const onConnectError = () => setState('lost');
    const onTap = (t: LiveTap) => ref.current.tap?.(t);
    const onAttendance = (a: LiveAttendance) => ref.current.attendance?.(a);
    const onGateway = (g: LiveGatewayStatus) => ref.current.gatewayStatus?.(g);
    const onRoster = (r: { schoolId: string }) => ref.current.roster?.(r);
    s.on('connect', onConnect);
    s.on('disconnect', onDisconnect);
    s.on('connect_error', onConnectError);
    s.on('tap', onTap);
    s.on('attendance', onAttendance);
    s.on('gatewayStatus', onGateway);
    s.on('roster', onRoster);
    if (s.connected) void join();
    else if (!s.active) s.connect();
    return () => {
      stopped = true;
      s.off('connect', onConnect);
      s.off('disconnect', onDisconnect);
      s.off('connect_error', onConnectError);
      s.off('tap', onTap);
      s.off('attendance', onAttendance);
      s.off('gatewayStatus', onGateway);
      s.off('roster', onRoster);
    };
  }, [key]);
  return state;
}
