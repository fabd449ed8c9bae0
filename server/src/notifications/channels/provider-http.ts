/**
 * The HTTP every HTTP channel shares: one request with the worker's abort signal, and the honest
 * mapping of transport failures to a `SendResult` (time-out, refused, 5xx, 429 → `retry` honouring
 * `Retry-After`; another 4xx → `failed`, the fault is ours).
 */
import type { SendResult } from './channel.js';

export type HttpAnswer =
  { ok: true; status: number; body: unknown; text: string } | { ok: false; result: SendResult };

/** `Retry-After` as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function providerRequest(
  url: string,
  init: RequestInit & { signal: AbortSignal },
): Promise<HttpAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, init);
    text = await res.text();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why =
      err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : (err.cause?.code ?? err.message);
    return { ok: false, result: { outcome: 'retry', error: `provider unreachable: ${why}` } };
  }
  if (res.status === 429 || res.status >= 500) {
    const after = retryAfterMs(res.headers.get('retry-after'));
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
