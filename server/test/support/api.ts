/**
 * HTTP helpers for e2e tests: sign in and call the API with a bearer token.
 *   const admin = await asAdmin(server);
 *   const { status, body } = await admin.get('/schools');
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked with expect(), not with types; `any` keeps the tests readable */
import { TEST_ADMIN_PASSWORD, type TestServer } from './test-server.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    if (this.token) h.authorization = `Bearer ${this.token}`;
    let payload: RequestInit['body'];
    if (body instanceof Uint8Array || typeof body === 'string' || body instanceof FormData)
      payload = body as RequestInit['body'];
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

export async function login(
  server: Pick<TestServer, 'httpUrl'>,
  username: string,
  password: string,
): Promise<ApiClient> {
  const res = await fetch(`${server.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return new ApiClient(server.httpUrl, accessToken);
}

export function asAdmin(server: Pick<TestServer, 'httpUrl'>): Promise<ApiClient> {
  return login(server, 'admin', TEST_ADMIN_PASSWORD);
}

/** `Authorization` header of the test admin, for plain `fetch` calls. */
export async function adminAuthHeader(
  server: Pick<TestServer, 'httpUrl'>,
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${(await asAdmin(server)).token}` };
}
