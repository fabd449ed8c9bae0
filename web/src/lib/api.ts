/**
 * The REST client (CONTRACT §4): bearer token from the session, one refresh on a 401 when a
 * refresh token exists (the old one is spent, the pair replaced), otherwise the session ends and
 * the app shows the sign-in page. Errors carry the HTTP status so views can say what happened.
 */
import { getSession, setSession, type Me, type Session } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

interface TokenPair {
  accessToken: string;
  refreshToken?: string;
  expiresIn?: number;
}

type Body = Record<string, unknown> | unknown[] | Blob | FormData | string;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: Body;
  contentType?: string;
  signal?: AbortSignal;
  accept?: string;
}

let refreshing: Promise<boolean> | null = null;

async function refresh(session: Session): Promise<boolean> {
  if (!session.refreshToken) return false;
  refreshing ??= (async () => {
    try {
      const res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      if (!res.ok) return false;
      const pair = (await res.json()) as TokenPair;
      setSession({ ...session, accessToken: pair.accessToken, refreshToken: pair.refreshToken ?? null });
      return true;
    } catch {
      return false;
    } finally {
      setTimeout(() => (refreshing = null), 0);
    }
  })();
  return refreshing;
}

/** Seconds left on an access token by this browser's clock (−Infinity when it cannot be read). */
function secondsLeft(token: string): number {
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const exp = (JSON.parse(atob(part)) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp - Date.now() / 1000 : -Infinity;
  } catch {
    return -Infinity;
  }
}

/**
 * The access token for the live link's (re)connect: refreshed first when `renew` (the server
 * closed the link — the token expired, or the user's rights changed) or when it has under a
 * minute left. A failed refresh leaves the session as it is: the link is then refused, and the
 * next API call ends the session as usual.
 */
export async function liveAccessToken(renew = false): Promise<string> {
  const session = getSession();
  if (!session) return '';
  if (renew || secondsLeft(session.accessToken) < 60) await refresh(session);
  return getSession()?.accessToken ?? '';
}

function encode(body: Body | undefined, contentType?: string): { body?: BodyInit; type?: string } {
  if (body === undefined) return {};
  if (body instanceof Blob || body instanceof FormData) return { body, type: contentType };
  if (typeof body === 'string') return { body, type: contentType ?? 'text/plain' };
  return { body: JSON.stringify(body), type: 'application/json' };
}

/** One API call; `path` is under `/api/v1`. */
export async function apiFetch(path: string, opts: RequestOptions = {}, retried = false): Promise<Response> {
  const session = getSession();
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
  const { body, type } = encode(opts.body, opts.contentType);
  if (type) headers['content-type'] = type;
  if (session) headers.authorization = `Bearer ${session.accessToken}`;
  const res = await fetch(`/api/v1${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body,
    signal: opts.signal,
  });
  if (res.status === 401 && session && !path.startsWith('/auth/login')) {
    if (!retried && (await refresh(session))) return apiFetch(path, opts, true);
    setSession(null);
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => null)) as { message?: string | string[] } | null;
    const message = Array.isArray(data?.message)
      ? data.message.join('; ')
      : (data?.message ?? res.statusText);
    throw new ApiError(res.status, message, data);
  }
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Sign in, then read who the user is; the session is stored only when both succeed. */
export async function login(username: string, password: string): Promise<Session> {
  const pair = await api<TokenPair>('/auth/login', {
    method: 'POST',
    body: { username: username.normalize('NFC').trim(), password },
  });
  const res = await fetch('/api/v1/auth/me', {
    headers: { authorization: `Bearer ${pair.accessToken}`, accept: 'application/json' },
  });
  if (!res.ok) throw new ApiError(res.status, res.statusText);
  const me = (await res.json()) as Me;
  const session: Session = { accessToken: pair.accessToken, refreshToken: pair.refreshToken ?? null, me };
  setSession(session);
  return session;
}

export async function logout(): Promise<void> {
  const s = getSession();
  setSession(null);
  if (s?.refreshToken) {
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.accessToken}` },
      body: JSON.stringify({ refreshToken: s.refreshToken }),
    }).catch(() => undefined);
  }
}

/** Download a file answer (CSV/XLSX/PDF export) with the bearer token, saved under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await apiFetch(path, { accept: '*/*' });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const enc = encodeURIComponent;
