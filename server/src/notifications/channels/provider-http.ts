/**
 * The HTTP every HTTP provider channel shares: one request with the worker's abort signal, and the
 * honest mapping of transport failures to a `SendResult` (time-out, refused, 5xx, 429 → `retry`
 * honouring `Retry-After`; another 4xx → `failed`, the fault is ours).
 *
 * The transport is node:http(s) over one keep-alive agent per scheme (a pool of at most
 * `MAX_SOCKETS` connections per provider host, idle ones kept `KEEP_ALIVE_MS`): a morning's
 * thousands of messages reuse a few warm connections (and TLS sessions) instead of a TCP (and TLS)
 * handshake per message. A connection the provider closed while idle fails the request with
 * `ECONNRESET`: a `retry` like any transport failure, with the same idempotency key.
 */
import http from 'node:http';
import https from 'node:https';
import type { SendResult } from './channel.js';

/** Connections per provider host at most: above every channel's concurrency limit, so none waits for a socket. */
export const MAX_SOCKETS = 128;
/** Idle connections are kept this long (providers' own idle time-outs are longer; a closed one is a retry). */
export const KEEP_ALIVE_MS = 30_000;

const agents = {
  'http:': new http.Agent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    timeout: KEEP_ALIVE_MS,
    scheduling: 'lifo',
  }),
  'https:': new https.Agent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    timeout: KEEP_ALIVE_MS,
    scheduling: 'lifo',
  }),
};

export interface ProviderRequestInit {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request on the shared keep-alive agents; rejects on transport failures and on `signal`. */
function request(url: string, init: ProviderRequestInit): Promise<RawAnswer> {
  const u = new URL(url);
  const agent = agents[u.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new Error(`unsupported URL scheme ${u.protocol}`));
  const body = Buffer.from(init.body, 'utf8');
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(
      u,
      {
        method: init.method,
        agent,
        headers: { ...init.headers, 'content-length': String(body.length) },
        signal: init.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export type HttpAnswer =
  { ok: true; status: number; body: unknown; text: string } | { ok: false; result: SendResult };

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function providerRequest(url: string, init: ProviderRequestInit): Promise<HttpAnswer> {
  let res: RawAnswer;
  try {
    res = await request(url, init);
  } catch (e) {
    const err = e as Error & { code?: string };
    const why =
      err.name === 'TimeoutError' || err.name === 'AbortError' || init.signal.aborted
        ? 'timeout'
        : (err.code ?? err.message);
    return { ok: false, result: { outcome: 'retry', error: `provider unreachable: ${why}` } };
  }
  const text = res.text;
  if (res.status === 429 || res.status >= 500) {
    const header = res.headers['retry-after'];
    const after = retryAfterMs(typeof header === 'string' ? header : null);
    return {
      ok: false,
      result: {
        outcome: 'retry',
        error: `provider answered HTTP ${res.status}`,
        ...(after !== undefined ? { retryAfterMs: after } : {}),
      },
    };
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.status >= 400) {
    return {
      ok: false,
      result: {
        outcome: 'failed',
        error: `provider answered HTTP ${res.status}: ${text.slice(0, 200)}`,
        forRecipient: false,
      },
    };
  }
  return { ok: true, status: res.status, body, text };
}
