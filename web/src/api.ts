/** The server's REST API (CONTRACT §4), with the bearer token of the session. Bodies typed from `@rfid/protocol` (one source). */
import type { AttendanceRow, School, SchoolClass } from '@rfid/protocol';

export type { AttendanceRow, School, SchoolClass };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class Api {
  constructor(private token: string | null) {}

  get accessToken(): string | null {
    return this.token;
  }

  async login(username: string, password: string): Promise<void> {
    const r = await this.request<{ accessToken: string }>('POST', '/api/v1/auth/login', { username, password });
    this.token = r.accessToken;
  }

  schools(): Promise<School[]> {
    return this.request('GET', '/api/v1/schools');
  }

  classes(schoolId: string): Promise<SchoolClass[]> {
    return this.request('GET', `/api/v1/schools/${encodeURIComponent(schoolId)}/classes`);
  }

  attendance(schoolId: string, date: string): Promise<AttendanceRow[]> {
    return this.request('GET', `/api/v1/schools/${encodeURIComponent(schoolId)}/attendance?date=${date}`);
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (await res.json().catch(() => ({}))) as { message?: string | string[] };
    if (!res.ok) {
      const message = Array.isArray(data.message) ? data.message.join('; ') : (data.message ?? res.statusText);
      throw new ApiError(res.status, message);
    }
    return data as T;
  }
}
