/**
 * The signed-in session: tokens and who the user is (from `GET /auth/me`), kept in localStorage so
 * a reload keeps the user signed in and their name in the header. A tiny external store, read in
 * React through `useSession`.
 */
import { useSyncExternalStore } from 'react';
import type { CallerView } from '@rfid/protocol';

/** A user's role (`USER_ROLES` of the protocol). */
export type Role = CallerView['role'];

/** `GET /api/v1/auth/me` (`CallerSchema` of the protocol: the server's response schema). */
export type Me = CallerView;

export interface Session {
  accessToken: string;
  refreshToken: string | null;
  me: Me;
}

const KEY = 'rfid.session';
const LAST_USER = 'rfid.lastUsername';
const listeners = new Set<() => void>();
let current: Session | null = read();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return typeof s.accessToken === 'string' && s.me ? s : null;
  } catch {
    return null;
  }
}

export function getSession(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
  if (s) {
    localStorage.setItem(KEY, JSON.stringify(s));
    localStorage.setItem(LAST_USER, s.me.username);
  } else localStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function lastUsername(): string {
  return localStorage.getItem(LAST_USER) ?? '';
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) {
      current = read();
      l();
    }
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(l);
    window.removeEventListener('storage', onStorage);
  };
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribe, getSession);
}

/** Where a role lands after sign-in. */
export function homeOf(me: Me): string {
  switch (me.role) {
    case 'teacher':
      return me.classIds.length === 1 ? `/board/${me.classIds[0]}` : '/board';
    case 'school':
      return me.schoolId ? `/school/${me.schoolId}` : '/';
    case 'district':
      return me.districtId ? `/district/${me.districtId}` : '/';
    case 'admin':
      return '/province';
    case 'parent':
      return '/parent';
  }
}
